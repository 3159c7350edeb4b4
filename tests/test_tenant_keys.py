"""The database itself keeps every enrollment, teacher assignment, legacy team and membership
inside its own school (migration 0004), whatever a write path forgets to check."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import CourseEnrollment, Group, GroupMember, TeacherCourse
from teameval.roster.legacy.adapter.presence import tables_present
from tests.factories import SchoolWorld

Row = Callable[[SchoolWorld, SchoolWorld], object]


def _group(world: SchoolWorld, number: int = 1) -> Group:
    return Group(
        school_id=world.school.id, course_id=world.course.id, name="Team", team_number=number
    )


def _add_groups(session: Session, north: SchoolWorld, south: SchoolWorld) -> tuple[Group, Group]:
    groups = _group(north), _group(south)
    session.add_all(groups)
    session.flush()
    return groups


CROSS_SCHOOL_ROWS: dict[str, Row] = {
    "enrollment in another school's course": lambda n, s: CourseEnrollment(
        school_id=n.school.id, course_id=s.course.id, student_id=n.other_student.id
    ),
    "enrollment of another school's student": lambda n, s: CourseEnrollment(
        school_id=n.school.id, course_id=n.course.id, student_id=s.other_student.id
    ),
    "teacher assigned to another school's course": lambda n, s: TeacherCourse(
        school_id=n.school.id, course_id=s.course.id, teacher_id=n.teacher.id
    ),
    "another school's teacher assigned": lambda n, s: TeacherCourse(
        school_id=n.school.id, course_id=n.other_course.id, teacher_id=s.teacher.id
    ),
    "team in another school's course": lambda n, s: Group(
        school_id=n.school.id, course_id=s.course.id, name="Team", team_number=7
    ),
}


def _commit(session_factory: sessionmaker[Session], row: object) -> None:
    with session_factory.begin() as session:
        session.add(row)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(case, marks=pytest.mark.legacy) if "team" in case else case
        for case in sorted(CROSS_SCHOOL_ROWS)
    ],
)
def test_cross_school_row_is_refused(
    case: str,
    two_schools: tuple[SchoolWorld, SchoolWorld],
    session_factory: sessionmaker[Session],
) -> None:
    north, south = two_schools
    with pytest.raises(sa.exc.IntegrityError):
        _commit(session_factory, CROSS_SCHOOL_ROWS[case](north, south))


@pytest.mark.legacy
@pytest.mark.parametrize("target", ["another school's team", "another school's student"])
def test_cross_school_membership_is_refused(
    target: str,
    two_schools: tuple[SchoolWorld, SchoolWorld],
    session_factory: sessionmaker[Session],
) -> None:
    north, south = two_schools
    with session_factory.begin() as session:
        north_group, south_group = _add_groups(session, north, south)
        ids = north_group.id, south_group.id
    north_id, south_id = ids
    if target == "another school's team":
        member = GroupMember(
            school_id=north.school.id,
            group_id=south_id,
            course_id=south.course.id,
            user_id=north.student.id,
        )
    else:
        member = GroupMember(
            school_id=north.school.id,
            group_id=north_id,
            course_id=north.course.id,
            user_id=south.student.id,
        )
    with pytest.raises(sa.exc.IntegrityError):
        _commit(session_factory, member)


def test_same_school_rows_are_accepted(
    two_schools: tuple[SchoolWorld, SchoolWorld], session_factory: sessionmaker[Session]
) -> None:
    """The keys refuse only the other school: the same rows within one school go in."""
    north, _south = two_schools
    with session_factory.begin() as session:
        session.add(
            CourseEnrollment(
                school_id=north.school.id,
                course_id=north.other_course.id,
                student_id=north.other_student.id,
            )
        )
        session.add(
            TeacherCourse(
                school_id=north.school.id,
                course_id=north.other_course.id,
                teacher_id=north.admin.id,
            )
        )
        legacy = tables_present(session)  # a retired database (the retired pass) has none
        if legacy:
            group = _group(north)
            session.add(group)
            session.flush()
            session.add(
                GroupMember(
                    school_id=north.school.id,
                    group_id=group.id,
                    course_id=north.course.id,
                    user_id=north.student.id,
                )
            )
    with session_factory() as session:
        enrolled = sa.select(CourseEnrollment.course_id).where(
            CourseEnrollment.student_id == north.other_student.id
        )
        assert session.scalars(enrolled).all() == [north.other_course.id]
        teaching = sa.select(TeacherCourse.course_id).where(
            TeacherCourse.teacher_id == north.admin.id
        )
        assert session.scalars(teaching).all() == [north.other_course.id]
        if legacy:
            assert session.scalar(sa.select(sa.func.count()).select_from(GroupMember)) == 1
