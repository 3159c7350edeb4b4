"""Courses pages, admin side: the school's list, create, edit, deactivate and activate, assign
and unassign teachers; what each post wrote, read back from the database; invalid input (422,
nothing written), another school's ids (404), a teacher (403, nothing written); Dutch."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import AuditLog, Course, Role, TeacherCourse
from tests.factories import assign_teacher, make_course, make_user
from tests.roster.conftest import RosterWorld
from tests.web.conftest import PageClient
from tests.web.html_checks import page_problems

Pages = Callable[..., PageClient]


def _courses(factory: sessionmaker[Session], school_id: int) -> dict[str, Course]:
    with factory() as session:
        rows = session.scalars(select(Course).where(Course.school_id == school_id)).all()
        return {course.code: course for course in rows}


def _assignments(factory: sessionmaker[Session], course_id: int) -> dict[int, bool]:
    with factory() as session:
        rows = session.execute(
            select(TeacherCourse.teacher_id, TeacherCourse.active).where(
                TeacherCourse.course_id == course_id
            )
        ).all()
        return {int(teacher): bool(active) for teacher, active in rows}


def _audit_actions(factory: sessionmaker[Session], school_id: int) -> list[str]:
    with factory() as session:
        return list(
            session.scalars(
                select(AuditLog.action).where(AuditLog.school_id == school_id).order_by(AuditLog.id)
            )
        )


def test_the_admin_sees_every_course_of_the_school_with_teachers_and_counts(
    pages_for: Pages, worlds: RosterWorld
) -> None:
    page = pages_for("admin").get("/courses")
    assert page.status_code == 200
    text = page.text
    north = worlds.north
    for course in (north.course, north.other_course):
        assert f'href="/courses/{course.id}"' in text
        assert course.code in text
    assert north.teacher.name in text
    assert north.other_teacher.name in text
    assert "2 courses" in text
    assert f'href="/courses/{worlds.south.course.id}"' not in text
    assert 'method="post" action="/courses"' in text  # the create form
    # Filters: search and status.
    found = pages_for("admin").get("/courses", params={"q": "nlt"})
    assert f'href="/courses/{north.other_course.id}"' in found.text
    assert f'href="/courses/{north.course.id}"' not in found.text


def test_a_teacher_sees_only_their_courses_and_no_create_form(
    pages_for: Pages, worlds: RosterWorld
) -> None:
    page = pages_for("teacher").get("/courses")
    assert page.status_code == 200
    assert f'href="/courses/{worlds.north.course.id}"' in page.text
    assert f'href="/courses/{worlds.north.other_course.id}"' not in page.text
    assert 'method="post" action="/courses"' not in page.text
    assert "My courses" in page.text
    assert pages_for("student").get("/courses").status_code == 403


def test_create_a_course(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    admin = pages_for("admin")
    response = admin.post(
        "/courses", {"code": " WI-3B ", "name": "Wiskunde  B", "period": "2025-2026", "level": ""}
    )
    assert response.status_code == 303
    created = _courses(session_factory, worlds.north.school.id)["WI-3B"]
    assert response.headers["location"] == f"/courses/{created.id}"
    assert (created.name, created.period, created.level, created.is_active) == (
        "Wiskunde B",
        "2025-2026",
        None,
        True,
    )
    assert "course.created" in _audit_actions(session_factory, worlds.north.school.id)
    shown = admin.get(response.headers["location"])
    assert "Course WI-3B created." in shown.text  # the flash, announced
    assert "Wiskunde B" in shown.text


def test_a_duplicate_code_or_an_empty_name_is_422_with_the_input_kept(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    admin = pages_for("admin")
    before = _courses(session_factory, worlds.north.school.id)
    taken = admin.post("/courses", {"code": "oo-4a", "name": "Another"})
    assert taken.status_code == 422
    assert "Another course of this school already has this code." in taken.text
    assert 'value="Another"' in taken.text  # the input is kept
    assert 'aria-invalid="true"' in taken.text
    assert "error-summary" in taken.text
    assert page_problems(taken.text) == []
    empty = admin.post("/courses", {"code": "NEW-1", "name": "   "})
    assert empty.status_code == 422
    assert "Fill in the course name." in empty.text
    assert 'value="NEW-1"' in empty.text
    too_long = admin.post("/courses", {"code": "X" * 51, "name": "Long"})
    assert too_long.status_code == 422
    assert "Use at most 50 characters." in too_long.text
    assert _courses(session_factory, worlds.north.school.id).keys() == before.keys()
    # Another school may use the code: codes are unique per school.
    assert (
        pages_for("admin", school="south")
        .post("/courses", {"code": "WI-9", "name": "W"})
        .status_code
        == 303
    )


def test_edit_a_course(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    admin = pages_for("admin")
    course = worlds.north.course
    response = admin.post(
        f"/courses/{course.id}",
        {"code": "OO-4B", "name": "Onderzoeken", "period": "P2", "level": "vwo 4"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/courses/{course.id}"
    stored = _courses(session_factory, worlds.north.school.id)["OO-4B"]
    assert (stored.id, stored.name, stored.period, stored.level) == (
        course.id,
        "Onderzoeken",
        "P2",
        "vwo 4",
    )
    clash = admin.post(
        f"/courses/{course.id}", {"code": worlds.north.other_course.code, "name": "X"}
    )
    assert clash.status_code == 422
    assert "Another course of this school already has this code." in clash.text
    assert page_problems(clash.text) == []
    assert _courses(session_factory, worlds.north.school.id)["OO-4B"].name == "Onderzoeken"


def test_deactivate_and_activate(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    admin = pages_for("admin")
    course = worlds.north.course
    assert admin.post(f"/courses/{course.id}/deactivate").status_code == 303
    assert not _courses(session_factory, worlds.north.school.id)[course.code].is_active
    page = admin.get(f"/courses/{course.id}")
    assert "Inactive" in page.text
    assert f'action="/courses/{course.id}/activate"' in page.text
    listed = admin.get("/courses", params={"status": "inactive"})
    assert f'href="/courses/{course.id}"' in listed.text
    assert f'href="/courses/{worlds.north.other_course.id}"' not in listed.text
    assert admin.post(f"/courses/{course.id}/activate").status_code == 303
    assert _courses(session_factory, worlds.north.school.id)[course.code].is_active
    actions = _audit_actions(session_factory, worlds.north.school.id)
    assert actions[-2:] == ["course.deactivated", "course.activated"]


def test_assign_and_unassign_a_teacher(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    admin = pages_for("admin")
    course, other = worlds.north.course, worlds.north.other_teacher
    page = admin.get(f"/courses/{course.id}")
    assert f'<option value="{other.id}"' in page.text  # offered
    assigned = admin.post(f"/courses/{course.id}/teachers", {"user_id": str(other.id)})
    assert assigned.status_code == 303
    assert _assignments(session_factory, course.id) == {
        worlds.north.teacher.id: True,
        other.id: True,
    }
    # The other teacher now sees the course page.
    assert pages_for("other_teacher").get(f"/courses/{course.id}").status_code == 200
    removed = admin.post(f"/courses/{course.id}/teachers/{other.id}/remove")
    assert removed.status_code == 303
    assert _assignments(session_factory, course.id)[other.id] is False
    assert pages_for("other_teacher").get(f"/courses/{course.id}").status_code == 403
    actions = _audit_actions(session_factory, worlds.north.school.id)
    assert actions[-2:] == ["teacher_course.created", "teacher_course.deactivated"]


def test_assigning_a_student_or_an_archived_teacher_is_422_and_writes_nothing(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        school = worlds.north.school
        archived = make_user(
            session, session.merge(school), Role.TEACHER, "old@north.example.org", archived=True
        )
        archived_id = archived.id
    admin = pages_for("admin")
    course = worlds.north.course
    before = _assignments(session_factory, course.id)
    student = admin.post(f"/courses/{course.id}/teachers", {"user_id": worlds.north.student.id})
    assert student.status_code == 422
    assert f"{worlds.north.student.name} is not a teacher." in student.text
    gone = admin.post(f"/courses/{course.id}/teachers", {"user_id": archived_id})
    assert gone.status_code == 422
    assert "is archived" in gone.text
    assert _assignments(session_factory, course.id) == before


def test_other_schools_ids_are_404_and_a_teacher_is_403_with_nothing_changed(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    admin, teacher = pages_for("admin"), pages_for("teacher")
    north, south = worlds.north, worlds.south
    before_north = _courses(session_factory, north.school.id)
    before_south = _courses(session_factory, south.school.id)
    assignments = _assignments(session_factory, north.course.id)
    south_course = f"/courses/{south.course.id}"
    for path, data in (
        (south_course, {"code": "Z", "name": "Z"}),
        (f"{south_course}/deactivate", {}),
        (f"{south_course}/teachers", {"user_id": south.teacher.id}),
        (f"{south_course}/teachers/{south.teacher.id}/remove", {}),
        # North's course with a south teacher: the teacher is not of this school.
        (f"/courses/{north.course.id}/teachers", {"user_id": south.other_teacher.id}),
        (f"/courses/{north.course.id}/teachers/{south.teacher.id}/remove", {}),
    ):
        response = admin.post(path, data)
        assert response.status_code == 404, path
        assert "does not exist" in response.text
    for path, data in (
        ("/courses", {"code": "T-1", "name": "By a teacher"}),
        (f"/courses/{north.course.id}", {"code": "T-2", "name": "Renamed"}),
        (f"/courses/{north.course.id}/deactivate", {}),
        (f"/courses/{north.course.id}/teachers", {"user_id": north.other_teacher.id}),
        (f"/courses/{north.course.id}/teachers/{north.teacher.id}/remove", {}),
    ):
        response = teacher.post(path, data)
        assert response.status_code == 403, path
    assert _courses(session_factory, north.school.id).keys() == before_north.keys()
    assert all(c.is_active for c in _courses(session_factory, north.school.id).values())
    assert _courses(session_factory, south.school.id).keys() == before_south.keys()
    assert _assignments(session_factory, north.course.id) == assignments


def test_the_list_sends_the_same_statements_for_two_or_forty_courses(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    admin = pages_for("admin")
    _, small = admin.statements("/courses")
    with session_factory.begin() as session:
        school = session.merge(worlds.north.school)
        teacher = session.merge(worlds.north.teacher)
        for number in range(38):
            course = make_course(session, school, f"EXTRA-{number:02d}")
            assign_teacher(session, course, teacher)
    page, large = admin.statements("/courses")
    assert "40 courses" in page.text
    assert len(large) == len(small)
    with session_factory() as session:
        total = session.scalar(
            select(func.count()).where(Course.school_id == worlds.north.school.id)
        )
    assert total == 40


def test_the_course_list_in_dutch(pages_for: Pages, worlds: RosterWorld) -> None:
    page = pages_for("admin", language="nl").get("/courses")
    assert 'lang="nl"' in page.text
    assert "Nieuw vak" in page.text
    assert "2 vakken" in page.text
    assert "Actief" in page.text
    invalid = pages_for("admin", language="nl").post("/courses", {"code": "OO-4A", "name": "x"})
    assert "Een ander vak van deze school heeft deze code al." in invalid.text
