"""The rule table: for every role, action and course of two schools, the point check (``may``),
the list filter (``visible``) and the route resolver (``resolve``) agree with each other and with
the rule as written in words (DESIGN.md 1, 4), over random assignment/enrollment/team states."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from teameval.access import COURSE, REGISTRY, CourseAction, Principal, may, resolve, visible
from teameval.errors import Forbidden, NotFound
from teameval.models import Course, CourseEnrollment, GroupMember, Role, TeacherCourse, User
from teameval.roster.legacy.adapter.presence import tables_present
from tests.factories import SchoolWorld, make_group

STATES = st.sampled_from(["none", "active", "inactive"])
# One state per (course, person) pair: teachers' assignments, students' enrollments and teams.
PAIRS = 4 * 2  # 4 courses (2 per school) x 2 people of a kind per school
World = tuple[SchoolWorld, SchoolWorld, Session]


def principal(user: User) -> Principal:
    return Principal(user.id, user.school_id, Role(user.role), user.email, user.name)


@pytest.fixture
def world(
    two_schools: tuple[SchoolWorld, SchoolWorld], session_factory: sessionmaker[Session]
) -> Iterator[World]:
    session = session_factory()
    yield (two_schools[0], two_schools[1], session)
    session.close()


def _expected(session: Session, who: User, action: CourseAction, course: Course) -> bool:
    """The rule in words, evaluated in Python from the rows."""
    if course.school_id != who.school_id:
        return False
    if who.role == Role.ADMIN.value:
        return True
    if who.role == Role.TEACHER.value and action in (CourseAction.VIEW, CourseAction.TEACH):
        return bool(
            session.scalar(
                select(TeacherCourse.id).where(
                    TeacherCourse.course_id == course.id,
                    TeacherCourse.teacher_id == who.id,
                    TeacherCourse.active.is_(True),
                )
            )
        )
    if who.role == Role.STUDENT.value and action is CourseAction.VIEW:
        return bool(
            session.scalar(
                select(CourseEnrollment.id).where(
                    CourseEnrollment.course_id == course.id,
                    CourseEnrollment.student_id == who.id,
                    CourseEnrollment.active.is_(True),
                )
            )
        )
    return False


def _lay_out(
    session: Session,
    worlds: tuple[SchoolWorld, SchoolWorld],
    teaching: list[str],
    enrolled: list[str],
    teams: list[bool],
) -> None:
    """Replace every assignment, enrollment and team membership with the drawn ones (no team
    memberships on a retired database: the suite's retired pass)."""
    legacy = tables_present(session)
    if legacy:
        session.execute(delete(GroupMember))
    session.execute(delete(CourseEnrollment))
    session.execute(delete(TeacherCourse))
    index = 0
    for world in worlds:
        for course in (world.course, world.other_course):
            group = make_group(session, course, 1) if legacy else None
            people = zip(
                (world.teacher, world.other_teacher),
                (world.student, world.other_student),
                strict=True,
            )
            for teacher, student in people:
                if teaching[index] != "none":
                    session.add(
                        TeacherCourse(
                            school_id=world.school.id,
                            course_id=course.id,
                            teacher_id=teacher.id,
                            active=teaching[index] == "active",
                        )
                    )
                if enrolled[index] != "none":
                    session.add(
                        CourseEnrollment(
                            school_id=world.school.id,
                            course_id=course.id,
                            student_id=student.id,
                            active=enrolled[index] == "active",
                        )
                    )
                session.flush()
                if group is not None and teams[index] and enrolled[index] != "none":
                    # A team membership alone must never let a student see the course.
                    session.add(
                        GroupMember(
                            school_id=world.school.id,
                            course_id=course.id,
                            group_id=group.id,
                            user_id=student.id,
                        )
                    )
                index += 1
    session.flush()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    teaching=st.lists(STATES, min_size=PAIRS, max_size=PAIRS),
    enrolled=st.lists(STATES, min_size=PAIRS, max_size=PAIRS),
    teams=st.lists(st.booleans(), min_size=PAIRS, max_size=PAIRS),
)
def test_point_check_list_filter_and_resolver_agree(
    world: World, teaching: list[str], enrolled: list[str], teams: list[bool]
) -> None:
    north, south, session = world
    with session.begin():
        _lay_out(session, (north, south), teaching, enrolled, teams)
        courses = [north.course, north.other_course, south.course, south.other_course]
        people = [
            getattr(school, who)
            for school in (north, south)
            for who in ("admin", "teacher", "other_teacher", "student", "other_student")
        ]
        for who, action in product(people, CourseAction):
            caller = principal(who)
            listed = set(session.scalars(select(Course.id).where(COURSE.rule(caller, action))))
            assert listed == {c.id for c in session.scalars(visible(caller, COURSE, action))}
            for course in courses:
                allowed = may(session, caller, COURSE, action, course.id)
                assert allowed == (course.id in listed), (who.email, action, course.code)
                assert allowed == _expected(session, who, action, course)
                if course.school_id != who.school_id:
                    with pytest.raises(NotFound):
                        resolve(session, caller, COURSE, action, course.id)
                elif allowed:
                    assert resolve(session, caller, COURSE, action, course.id).id == course.id
                else:
                    with pytest.raises(Forbidden):
                        resolve(session, caller, COURSE, action, course.id)
        session.rollback()


def test_a_missing_or_out_of_range_id_is_not_allowed_and_404(world: World) -> None:
    north, _south, session = world
    admin = principal(north.admin)
    for missing in (999_999, 0, -1, 2**63):
        assert not may(session, admin, COURSE, CourseAction.VIEW, missing)
        with pytest.raises(NotFound):
            resolve(session, admin, COURSE, CourseAction.VIEW, missing)


def test_every_registered_kind_has_a_rule_per_action_for_admins() -> None:
    """The registry is where kinds live; the course is in it, keyed by name."""
    assert REGISTRY["course"] is COURSE
    for kind in REGISTRY.values():
        actions = {action for action, _role in kind.rules}
        assert all((action, Role.ADMIN) in kind.rules for action in actions), kind.name
