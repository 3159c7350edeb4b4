"""``roster.courses.reads`` and ``projects.teams.course_teams``: what the course pages read,
one statement each whatever the number of rows."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from teameval.models import Role
from teameval.projects.teams.course_teams import current_teams_of_students
from teameval.roster.courses import reads
from tests.factories import assign_teacher, enroll, make_team, make_user
from tests.roster.conftest import RosterWorld
from tests.statements import recorded_statements


def test_teachers_counts_and_candidates(
    worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    north = worlds.north
    with session_factory.begin() as session:
        school, course = session.merge(north.school), session.merge(north.course)
        assign_teacher(session, course, session.merge(north.other_teacher), active=False)
        gone = make_user(session, school, Role.TEACHER, "gone.teacher@north.example.org")
        gone.archived = True
        extra = make_user(session, school, Role.STUDENT, "ann@north.example.org", "Ann Apple")
        enroll(session, session.merge(north.other_course), extra)
        extra_id = extra.id
    with session_factory() as session:
        course = session.merge(north.course)
        engine = session.get_bind()
        with recorded_statements(engine) as statements:  # type: ignore[arg-type]
            teachers = reads.teachers_by_course(session, [course.id, north.other_course.id])
        assert len(statements) == 1
        # The inactive assignment of other_teacher to course does not count.
        assert [t.id for t in teachers[course.id]] == [north.teacher.id]
        assert [t.id for t in teachers[north.other_course.id]] == [north.other_teacher.id]
        assignable = reads.school_teachers(session, north.school.id)
        assert {t.id for t in assignable} == {north.teacher.id, north.other_teacher.id}
        assert reads.enrolled_counts(session, [course.id, north.other_course.id]) == {
            course.id: 1,
            north.other_course.id: 1,
        }
        candidates = reads.enrollment_candidates(session, course, None, 10)
        # Not the enrolled student, not the archived one, not another school's.
        assert {s.id for s in candidates} == {north.other_student.id, extra_id}
        assert [s.name for s in candidates] == sorted(s.name for s in candidates)
        assert [s.id for s in reads.enrollment_candidates(session, course, "APPLE", 10)] == [
            extra_id
        ]
        assert reads.enrollment_candidates(session, course, "%", 10) == []
        assert len(reads.enrollment_candidates(session, course, None, 1)) == 1
        assert reads.teachers_by_course(session, []) == {}


def test_current_teams_of_students(
    worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    north = worlds.north
    with session_factory.begin() as session:
        school = session.merge(north.school)
        project = session.merge(worlds.north_project)
        pupil = make_user(session, school, Role.STUDENT, "pupil@north.example.org")
        team = make_team(session, project, 2, pupil)
        team_id, pupil_id = team.id, pupil.id
    with session_factory() as session:
        found = current_teams_of_students(
            session, [worlds.north_project.id], [north.student.id, pupil_id, north.other_student.id]
        )
        assert {
            student: {p: t.id for p, t in teams.items()} for student, teams in found.items()
        } == {
            north.student.id: {worlds.north_project.id: worlds.north_team.id},
            pupil_id: {worlds.north_project.id: team_id},
        }
        assert current_teams_of_students(session, [], [pupil_id]) == {}
