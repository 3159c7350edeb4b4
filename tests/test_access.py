"""The access module's decisions, on two schools: tenancy first (404), then roles (403)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from teameval.access import CourseAction, Principal, course_for, user_in_school, visible_courses
from teameval.errors import Forbidden, NotFound
from teameval.models import Course, CourseEnrollment, Role, User
from tests.factories import SchoolWorld, make_group


def principal(user: User) -> Principal:
    return Principal(user.id, user.school_id, Role(user.role), user.email, user.name)


Worlds = tuple[SchoolWorld, SchoolWorld, Session]


@pytest.fixture
def worlds(
    two_schools: tuple[SchoolWorld, SchoolWorld], session_factory: sessionmaker[Session]
) -> Iterator[Worlds]:
    session = session_factory()
    yield (two_schools[0], two_schools[1], session)
    session.close()


# (who, action on north.course, allowed)
MATRIX = [
    ("admin", CourseAction.VIEW, True),
    ("admin", CourseAction.TEACH, True),
    ("admin", CourseAction.ADMINISTER, True),
    ("teacher", CourseAction.VIEW, True),
    ("teacher", CourseAction.TEACH, True),
    ("teacher", CourseAction.ADMINISTER, False),
    ("other_teacher", CourseAction.VIEW, False),
    ("other_teacher", CourseAction.TEACH, False),
    ("student", CourseAction.VIEW, True),
    ("student", CourseAction.TEACH, False),
    ("other_student", CourseAction.VIEW, False),
]


@pytest.mark.parametrize(("who", "action", "allowed"), MATRIX)
def test_course_role_matrix(worlds: Worlds, who: str, action: CourseAction, allowed: bool) -> None:
    north, _south, session = worlds
    caller = principal(getattr(north, who))
    if allowed:
        assert course_for(session, caller, north.course.id, action).id == north.course.id
    else:
        with pytest.raises(Forbidden):
            course_for(session, caller, north.course.id, action)


@pytest.mark.parametrize("who", ["admin", "teacher", "student"])
def test_another_schools_course_is_indistinguishable_from_a_missing_one(
    worlds: Worlds, who: str
) -> None:
    north, south, session = worlds
    caller = principal(getattr(north, who))
    with pytest.raises(NotFound) as foreign:
        course_for(session, caller, south.course.id, CourseAction.VIEW)
    with pytest.raises(NotFound) as missing:
        course_for(session, caller, 999_999, CourseAction.VIEW)
    assert foreign.value.status == missing.value.status == 404
    assert foreign.value.title == missing.value.title


def test_other_schools_users_are_not_found(worlds: Worlds) -> None:
    north, south, session = worlds
    caller = principal(north.admin)
    with pytest.raises(NotFound):
        user_in_school(session, caller, south.student.id)
    with pytest.raises(NotFound):
        user_in_school(session, caller, north.teacher.id, role=Role.STUDENT)
    assert user_in_school(session, caller, north.student.id).id == north.student.id


@pytest.mark.legacy
def test_students_reach_courses_through_enrollments_never_through_groups(worlds: Worlds) -> None:
    north, _south, session = worlds
    from teameval.models import GroupMember

    group = make_group(session, north.other_course, 1)
    session.add(
        GroupMember(
            school_id=north.school.id,
            group_id=group.id,
            course_id=group.course_id,
            user_id=north.student.id,
        )
    )
    session.flush()
    with pytest.raises(Forbidden):
        course_for(session, principal(north.student), north.other_course.id, CourseAction.VIEW)


def test_inactive_enrollment_and_assignment_grant_nothing(worlds: Worlds) -> None:
    north, _south, session = worlds
    from sqlalchemy import update

    from teameval.models import TeacherCourse

    session.execute(update(CourseEnrollment).values(active=False))
    session.execute(update(TeacherCourse).values(active=False))
    for who in ("student", "teacher"):
        with pytest.raises(Forbidden):
            course_for(session, principal(getattr(north, who)), north.course.id, CourseAction.VIEW)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", {"OO-4A", "NLT-5"}),
        ("teacher", {"OO-4A"}),
        ("student", {"OO-4A"}),
        ("other_student", set()),
    ],
)
def test_visible_courses(worlds: Worlds, who: str, expected: set[str]) -> None:
    north, _south, session = worlds
    courses = session.scalars(visible_courses(principal(getattr(north, who)))).all()
    assert {course.code for course in courses} == expected
    assert all(
        isinstance(course, Course) and course.school_id == north.school.id for course in courses
    )
