"""Reads the course pages need besides the course itself: its teachers, the school's teachers to
assign, how many students each course has, and the students who could still be enrolled.

Each takes ids already resolved within the caller's school (``teameval.access``) and sends one
statement whatever the number of rows, so a page that uses them stays constant in statements.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from teameval.models import Course, CourseEnrollment, Role, TeacherCourse, User


def teachers_by_course(session: Session, course_ids: Collection[int]) -> dict[int, list[User]]:
    """Each course's teachers with an active assignment, by name (then id)."""
    found: dict[int, list[User]] = {course_id: [] for course_id in course_ids}
    if not found:
        return found
    rows = session.execute(
        select(TeacherCourse.course_id, User)
        .join(User, User.id == TeacherCourse.teacher_id)
        .where(TeacherCourse.course_id.in_(sorted(found)), TeacherCourse.active.is_(True))
        .order_by(User.name, User.id)
    )
    for course_id, teacher in rows:
        found[course_id].append(teacher)
    return found


def school_teachers(session: Session, school_id: int) -> list[User]:
    """The school's teachers who are not archived, by name: who an admin can assign."""
    return list(
        session.scalars(
            select(User)
            .where(
                User.school_id == school_id,
                User.role == Role.TEACHER.value,
                User.archived.is_(False),
            )
            .order_by(User.name, User.id)
        )
    )


def enrolled_counts(session: Session, course_ids: Collection[int]) -> dict[int, int]:
    """How many students each course has (active enrollments)."""
    found = dict.fromkeys(course_ids, 0)
    if not found:
        return found
    rows = session.execute(
        select(CourseEnrollment.course_id, func.count())
        .where(CourseEnrollment.course_id.in_(sorted(found)), CourseEnrollment.active.is_(True))
        .group_by(CourseEnrollment.course_id)
    )
    for course_id, count in rows:
        found[course_id] = int(count)
    return found


def enrollment_candidates(
    session: Session, course: Course, search: str | None, limit: int
) -> list[User]:
    """Students of the course's school who are not archived and not (actively) enrolled in it,
    matching ``search`` in name, email or student number, by name; at most ``limit``."""
    enrolled = exists().where(
        CourseEnrollment.course_id == course.id,
        CourseEnrollment.student_id == User.id,
        CourseEnrollment.active.is_(True),
    )
    query = select(User).where(
        User.school_id == course.school_id,
        User.role == Role.STUDENT.value,
        User.archived.is_(False),
        ~enrolled,
    )
    if search and search.strip():
        needle = search.strip().lower()
        query = query.where(
            or_(
                func.lower(User.name).contains(needle, autoescape=True),
                User.email.contains(needle, autoescape=True),
                func.lower(User.student_number).contains(needle, autoescape=True),
            )
        )
    return list(session.scalars(query.order_by(User.name, User.id).limit(limit)))
