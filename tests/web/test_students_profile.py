"""A student's page: details, courses (active and ended), current teams; the edit form through
the API's service (errors on the form, nothing written); archive and unarchive; other schools
and other roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import AuditLog, CourseEnrollment, User
from tests.factories import enroll, make_course, make_project, make_team
from tests.roster.conftest import RosterWorld
from tests.web.conftest import PageClient

FIELDS = ("email", "name", "first_name", "prefix", "last_name", "student_number", "class_name")


def user_row(factory: sessionmaker[Session], user_id: int) -> dict[str, Any]:
    with factory() as session:
        user = session.get_one(User, user_id)
        return {name: getattr(user, name) for name in (*FIELDS, "archived")}


def form(**changes: str) -> dict[str, str]:
    """The edit form as the world's student has it, with ``changes``."""
    values = dict.fromkeys(FIELDS, "")
    values.update(name="Student", email="student@north.example.org")
    values.update(changes)
    return values


def test_the_page_shows_the_student_their_courses_and_team(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    north = worlds.north
    with session_factory.begin() as session:
        session.add(north.other_course)
        enroll(session, north.other_course, north.student, active=False)
    page = pages_for("admin").get(f"/students/{north.student.id}")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Student</h1>" in text
    assert "student@north.example.org" in text
    courses = text[text.index('id="courses-heading"') : text.index('id="teams-heading"')]
    assert courses.index("OO-4A") < courses.index("NLT-5")  # active first
    assert f'href="/courses/{north.course.id}"' in courses
    assert "Ended" in courses
    teams = text[text.index('id="teams-heading"') : text.index('id="edit-heading"')]
    assert f'href="/projects/{worlds.north_project.id}"' in teams
    assert "Projectweek" in teams
    assert "Team 1" in teams
    assert f'action="/students/{north.student.id}/archive"' in text


def test_an_edit_saves_only_what_changed(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    student = worlds.north.student
    admin = pages_for("admin")
    saved = admin.post(
        f"/students/{student.id}",
        form(
            first_name="Jan",
            prefix="de",
            last_name="Vries",
            student_number="S-1",
            class_name="4A",
            email="Jan.de.Vries@North.example.org",
        ),
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/students/{student.id}"
    assert user_row(session_factory, student.id) == {
        "email": "jan.de.vries@north.example.org",
        "name": "Jan de Vries",  # composed from the changed parts: the name was not touched
        "first_name": "Jan",
        "prefix": "de",
        "last_name": "Vries",
        "student_number": "S-1",
        "class_name": "4A",
        "archived": False,
    }
    shown = admin.get(f"/students/{student.id}").text
    assert "The student is saved." in shown
    assert 'value="S-1"' in shown
    # a full name typed by hand wins; an emptied optional field is cleared
    again = admin.post(
        f"/students/{student.id}",
        {
            **form(first_name="Jan", prefix="de", last_name="Vries", class_name=""),
            "name": "Jantje de Vries",
            "email": "jan.de.vries@north.example.org",
            "student_number": "S-1",
        },
    )
    assert again.status_code == 303
    row = user_row(session_factory, student.id)
    assert row["name"] == "Jantje de Vries"
    assert row["class_name"] is None
    with session_factory() as session:
        actions = session.scalars(
            select(AuditLog.action).where(AuditLog.entity_id == student.id)
        ).all()
    assert len(actions) == 2


def test_a_taken_email_is_422_on_the_form_and_changes_nothing(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    student = worlds.north.student
    before = user_row(session_factory, student.id)
    taken = pages_for("admin").post(
        f"/students/{student.id}",
        form(email="student2@north.example.org", class_name="5C"),
    )
    assert taken.status_code == 422
    text = taken.text
    assert 'class="error-summary"' in text
    assert 'id="field-email-error"' in text
    assert "already belongs to another user" in text
    assert 'value="5C"' in text  # the input is kept
    assert user_row(session_factory, student.id) == before


def test_a_taken_student_number_and_a_bad_email_are_422(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    north = worlds.north
    with session_factory.begin() as session:
        session.get_one(User, north.other_student.id).student_number = "S-9"
    before = user_row(session_factory, north.student.id)
    admin = pages_for("admin")
    number = admin.post(f"/students/{north.student.id}", form(student_number="S-9"))
    assert number.status_code == 422
    assert 'id="field-student_number-error"' in number.text
    assert "Student number S-9 already belongs to" in number.text
    bad = admin.post(f"/students/{north.student.id}", form(email=""))
    assert bad.status_code == 422
    assert 'id="field-email-error"' in bad.text
    assert "Enter a valid email address." in bad.text
    long = admin.post(f"/students/{north.student.id}", form(class_name="x" * 51))
    assert long.status_code == 422
    assert 'id="field-class_name-error"' in long.text
    assert user_row(session_factory, north.student.id) == before


def test_archive_and_unarchive(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    student = worlds.north.student
    admin = pages_for("admin")
    archived = admin.post(f"/students/{student.id}/archive")
    assert archived.status_code == 303
    assert user_row(session_factory, student.id)["archived"] is True
    page = admin.get(f"/students/{student.id}").text
    assert "The student is archived and can no longer sign in." in page
    assert f'action="/students/{student.id}/unarchive"' in page
    assert f'href="/students/{student.id}"' not in admin.get("/students").text
    assert f'href="/students/{student.id}"' in admin.get("/students?status=archived").text
    with session_factory() as session:  # enrollments are kept
        assert session.scalar(
            select(CourseEnrollment.active).where(CourseEnrollment.student_id == student.id)
        )
    back = admin.post(f"/students/{student.id}/unarchive")
    assert back.status_code == 303
    assert user_row(session_factory, student.id)["archived"] is False
    assert f'href="/students/{student.id}"' in admin.get("/students").text


def test_another_school_s_student_is_404_and_untouched(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    south = worlds.south.student
    before = user_row(session_factory, south.id)
    admin = pages_for("admin")
    assert admin.get(f"/students/{south.id}").status_code == 404
    assert admin.post(f"/students/{south.id}", form(class_name="X")).status_code == 404
    assert admin.post(f"/students/{south.id}/archive").status_code == 404
    assert admin.get(f"/students/{worlds.north.teacher.id}").status_code == 404
    assert admin.get("/students/abc").status_code == 404
    assert user_row(session_factory, south.id) == before


def test_teachers_and_students_may_not_edit_or_archive(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    student = worlds.north.student
    before = user_row(session_factory, student.id)
    for role in ("teacher", "student"):
        browser = pages_for(role)
        assert browser.post(f"/students/{student.id}", form(class_name="X")).status_code == 403
        assert browser.post(f"/students/{student.id}/archive").status_code == 403
    assert user_row(session_factory, student.id) == before


def test_the_student_page_in_dutch(
    pages_for: Callable[..., PageClient], worlds: RosterWorld
) -> None:
    page = pages_for("admin", language="nl").get(f"/students/{worlds.north.student.id}").text
    assert 'lang="nl"' in page
    assert "Huidige projectteams" in page
    assert "Wijzigingen opslaan" in page
    assert "Student archiveren" in page
    assert "Save changes" not in page


def test_the_page_s_statements_do_not_grow_with_courses_and_teams(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
) -> None:
    student = worlds.north.student
    admin = pages_for("admin")
    small_page, small = admin.statements(f"/students/{student.id}")
    with session_factory.begin() as session:
        school = session.merge(worlds.north.school)
        for n in range(5):
            course = make_course(session, school, f"EXTRA-{n}")
            enroll(session, course, session.merge(student))
            make_team(session, make_project(session, course, f"Project {n}"), 1, student)
    large_page, large = admin.statements(f"/students/{student.id}")
    assert (
        large_page.text.count('href="/projects/') == small_page.text.count('href="/projects/') + 5
    )
    assert "EXTRA-4" in large_page.text
    assert len(large) == len(small)
