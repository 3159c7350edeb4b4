"""roster.students.profile: a student's enrollments (active first, ended kept) and current
project teams (superseded versions and other schools left out), one statement each."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from teameval.models import ProjectTeam
from teameval.models.base import utcnow
from teameval.roster.students.profile import current_teams_of, enrollments_of
from tests.factories import enroll, make_course, make_project, make_team, make_world
from tests.statements import recorded_statements


def test_enrollments_and_current_teams(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        north, south = make_world(session, "north"), make_world(session, "south")
        enroll(session, north.course, north.student)
        enroll(session, north.other_course, north.student, active=False)
        late = make_course(session, north.school, "AA-1")
        late.is_active = False
        enroll(session, late, north.student)
        enroll(session, south.course, south.student)
        project = make_project(session, north.course, "Brug")
        make_team(session, project, 1, north.student, locked=True)
        old_project = make_project(session, north.other_course, "Oud")
        old = make_team(session, old_project, 2, north.student)
        old.is_current = False
        old.superseded_at = utcnow()
        make_team(session, make_project(session, south.course), 1, south.student)
        ids = (north.school.id, north.student.id, south.school.id, south.student.id)
    north_school, student, south_school, south_student = ids
    engine = session_factory.kw["bind"]
    with session_factory() as session, recorded_statements(engine) as statements:
        enrollments = enrollments_of(session, north_school, student)
        teams = current_teams_of(session, north_school, student)
    assert len(statements) == 2
    assert [(e.code, e.active, e.course_active) for e in enrollments] == [
        ("AA-1", True, False),
        ("OO-4A", True, True),
        ("NLT-5", False, True),
    ]
    assert [(t.project_title, t.course_code, t.team_number, t.locked) for t in teams] == [
        ("Brug", "OO-4A", 1, True)
    ]
    with session_factory() as session:
        # another school's id finds nothing, even for its own student
        assert enrollments_of(session, north_school, south_student) == []
        assert current_teams_of(session, north_school, south_student) == []
        assert [e.code for e in enrollments_of(session, south_school, south_student)] == ["OO-4A"]
        assert session.get(ProjectTeam, teams[0].team_id) is not None
