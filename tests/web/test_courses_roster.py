"""The course page's roster: enrolled students with their class and their team per open
project (and legacy team), enrolling a student of the school and removing one (the enrollment
ends and the student leaves the course's current project teams, as the service does); another
teacher 403 and nothing changed; another school's ids 404; statements constant (3 vs 30)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import CourseEnrollment, GroupMember, ProjectTeamMember, Role
from tests.factories import enroll, make_team, make_user
from tests.roster.conftest import RosterWorld
from tests.web.conftest import PageClient
from tests.web.html_checks import page_problems

Pages = Callable[..., PageClient]


def _enrollments(factory: sessionmaker[Session], course_id: int) -> dict[int, bool]:
    with factory() as session:
        rows = session.execute(
            select(CourseEnrollment.student_id, CourseEnrollment.active).where(
                CourseEnrollment.course_id == course_id
            )
        ).all()
        return {int(student): bool(active) for student, active in rows}


def _current_team_members(factory: sessionmaker[Session], project_id: int) -> set[int]:
    with factory() as session:
        return set(
            session.scalars(
                select(ProjectTeamMember.user_id).where(
                    ProjectTeamMember.project_id == project_id,
                    ProjectTeamMember.is_current.is_(True),
                )
            )
        )


def _add_students(
    factory: sessionmaker[Session], worlds: RosterWorld, count: int, *, in_team: bool
) -> list[int]:
    """``count`` more students of north enrolled in its course, each in a team of the project
    (team 2 onwards, two students a team) when ``in_team``."""
    with factory.begin() as session:
        school = session.merge(worlds.north.school)
        course = session.merge(worlds.north.course)
        project = session.merge(worlds.north_project)
        students = [
            make_user(
                session,
                school,
                Role.STUDENT,
                f"pupil{number}@north.example.org",
                f"Pupil {number:02d}",
                student_number=f"S{number:04d}",
                class_name="4A",
            )
            for number in range(count)
        ]
        enroll(session, course, *students)
        if in_team:
            for offset in range(0, count, 2):
                make_team(session, project, 2 + offset // 2, *students[offset : offset + 2])
        return [student.id for student in students]


def test_the_roster_shows_students_with_their_teams(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    _add_students(session_factory, worlds, 2, in_team=True)
    page = pages_for("teacher").get(f"/courses/{worlds.north.course.id}")
    assert page.status_code == 200
    text = page.text
    assert "3 students enrolled" in text
    assert worlds.north.student.name in text
    assert "Pupil 00" in text
    assert "S0001" in text
    assert "4A" in text
    assert f"Team in {worlds.north_project.title}" in text
    assert "Team 1" in text  # the world's student's project team (and legacy team 1)
    assert "Team 2" in text  # the pupils'
    assert f'href="/projects?course_id={worlds.north.course.id}"' in text
    # The student not enrolled is offered; the enrolled ones are not; nor the archived one.
    assert f'<option value="{worlds.north.other_student.id}"' in text
    assert f'<option value="{worlds.north.student.id}"' not in text
    assert f'<option value="{worlds.north.archived_student.id}"' not in text
    # A teacher does not get the admin's sections.
    assert "Course settings" not in text
    assert f'action="/courses/{worlds.north.course.id}/teachers"' not in text
    assert f'href="/projects/{worlds.north_project.id}/teams"' in text  # the team builder
    assert f'href="/students/{worlds.north.student.id}"' not in text  # an admin's page
    admin = pages_for("admin").get(f"/courses/{worlds.north.course.id}")
    assert "Course settings" in admin.text
    assert f'href="/students/{worlds.north.student.id}"' in admin.text
    assert worlds.north.teacher.name in admin.text


def test_the_search_narrows_the_students_offered(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        school = session.merge(worlds.north.school)
        extra = make_user(session, school, Role.STUDENT, "zoe@north.example.org", "Zoë Zwart")
        extra_id = extra.id
    teacher = pages_for("teacher")
    found = teacher.get(f"/courses/{worlds.north.course.id}", params={"find": "zwart"})
    assert f'<option value="{extra_id}"' in found.text
    assert f'<option value="{worlds.north.other_student.id}"' not in found.text
    none = teacher.get(f"/courses/{worlds.north.course.id}", params={"find": "nobody-at-all"})
    assert "No student who is not enrolled yet matches this search." in none.text


def test_a_teacher_enrolls_a_student(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    course, other = worlds.north.course, worlds.north.other_student
    teacher = pages_for("teacher")
    response = teacher.post(f"/courses/{course.id}/students", {"student_id": other.id})
    assert response.status_code == 303
    assert response.headers["location"] == f"/courses/{course.id}#roster"
    assert _enrollments(session_factory, course.id) == {
        worlds.north.student.id: True,
        other.id: True,
    }
    page = teacher.get(f"/courses/{course.id}")
    assert f"{other.name} is enrolled in this course." in page.text
    assert "2 students enrolled" in page.text


def test_an_archived_student_is_422_and_not_enrolled(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    course, archived = worlds.north.course, worlds.north.archived_student
    before = _enrollments(session_factory, course.id)
    response = pages_for("teacher").post(
        f"/courses/{course.id}/students", {"student_id": archived.id}
    )
    assert response.status_code == 422
    assert page_problems(response.text) == []
    assert f"{archived.name} cannot be enrolled: an admin must unarchive them first." in (
        response.text
    )
    assert _enrollments(session_factory, course.id) == before


@pytest.mark.legacy
def test_removing_a_student_ends_the_enrollment_and_their_teams(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    course, student = worlds.north.course, worlds.north.student
    project = worlds.north_project
    assert student.id in _current_team_members(session_factory, project.id)
    teacher = pages_for("teacher")
    response = teacher.post(f"/courses/{course.id}/students/{student.id}/remove")
    assert response.status_code == 303
    assert _enrollments(session_factory, course.id) == {student.id: False}  # kept, inactive
    assert student.id not in _current_team_members(session_factory, project.id)
    with session_factory() as session:
        memberships = session.scalars(
            select(GroupMember.active).where(GroupMember.user_id == student.id)
        ).all()
    assert memberships == [False]  # the legacy team too
    page = teacher.get(f"/courses/{course.id}")
    assert f"{student.name} has left this course and its current project teams." in page.text
    assert "No students are enrolled in this course yet." in page.text
    # Enrolling again reactivates the one enrollment (never a second row).
    pages_for("admin").post(f"/courses/{course.id}/students", {"student_id": student.id})
    assert _enrollments(session_factory, course.id) == {student.id: True}


def test_another_teacher_is_403_and_nothing_changes(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    course = worlds.north.course
    before = _enrollments(session_factory, course.id)
    members = _current_team_members(session_factory, worlds.north_project.id)
    other = pages_for("other_teacher")
    assert other.get(f"/courses/{course.id}").status_code == 403
    add = other.post(
        f"/courses/{course.id}/students", {"student_id": worlds.north.other_student.id}
    )
    assert add.status_code == 403
    remove = other.post(f"/courses/{course.id}/students/{worlds.north.student.id}/remove")
    assert remove.status_code == 403
    student = pages_for("student")
    assert student.get(f"/courses/{course.id}").status_code == 403
    assert (
        student.post(f"/courses/{course.id}/students/{worlds.north.student.id}/remove").status_code
        == 403
    )
    assert _enrollments(session_factory, course.id) == before
    assert _current_team_members(session_factory, worlds.north_project.id) == members


def test_other_schools_ids_are_404_and_change_nothing(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    north, south = worlds.north, worlds.south
    before_north = _enrollments(session_factory, north.course.id)
    before_south = _enrollments(session_factory, south.course.id)
    teacher = pages_for("teacher")
    for path, data in (
        (f"/courses/{south.course.id}/students", {"student_id": south.other_student.id}),
        (f"/courses/{south.course.id}/students/{south.student.id}/remove", {}),
        (f"/courses/{north.course.id}/students", {"student_id": south.other_student.id}),
        (f"/courses/{north.course.id}/students/{south.student.id}/remove", {}),
    ):
        response = teacher.post(path, data)
        assert response.status_code == 404, path
    assert teacher.get(f"/courses/{south.course.id}").status_code == 404
    assert _enrollments(session_factory, north.course.id) == before_north
    assert _enrollments(session_factory, south.course.id) == before_south


def test_the_course_page_sends_the_same_statements_for_3_or_30_students(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    _add_students(session_factory, worlds, 2, in_team=True)
    path = f"/courses/{worlds.north.course.id}"
    teacher, admin = pages_for("teacher"), pages_for("admin")
    _, teacher_small = teacher.statements(path)
    _, admin_small = admin.statements(path)
    with session_factory.begin() as session:
        school = session.merge(worlds.north.school)
        for number in range(5):
            make_user(session, school, Role.TEACHER, f"t{number}@north.example.org")
    more = _more_students(session_factory, worlds, 27)
    page, teacher_large = teacher.statements(path)
    assert "30 students enrolled" in page.text
    assert all(f"Pupil-{n:02d}" in page.text for n in range(len(more)))
    _, admin_large = admin.statements(path)
    assert len(teacher_large) == len(teacher_small)
    assert len(admin_large) == len(admin_small)


def _more_students(factory: sessionmaker[Session], worlds: RosterWorld, count: int) -> list[int]:
    with factory.begin() as session:
        school = session.merge(worlds.north.school)
        course = session.merge(worlds.north.course)
        project = session.merge(worlds.north_project)
        students = [
            make_user(session, school, Role.STUDENT, f"more{n}@north.example.org", f"Pupil-{n:02d}")
            for n in range(count)
        ]
        enroll(session, course, *students)
        for offset in range(0, count, 3):
            make_team(session, project, 10 + offset // 3, *students[offset : offset + 3])
        return [student.id for student in students]


def test_the_course_page_in_dutch(pages_for: Pages, worlds: RosterWorld) -> None:
    page = pages_for("teacher", language="nl").get(f"/courses/{worlds.north.course.id}")
    assert 'lang="nl"' in page.text
    assert "1 leerling ingeschreven" in page.text
    assert "Een leerling toevoegen" in page.text
    assert "Inschrijven voor dit vak" in page.text
