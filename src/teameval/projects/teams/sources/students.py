"""Which students a source may put in a team: the course's actively enrolled, non-archived
students. What every source reads about the people it is given, in one query."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from teameval.models import CourseEnrollment, Role, User


class SkipReason(StrEnum):
    """Why a source left a person out of the layout it built."""

    NOT_A_STUDENT = "not a student"
    ARCHIVED = "archived"
    NOT_ENROLLED = "not actively enrolled in the course"


def enrolled_student_ids(session: Session, course_id: int) -> list[int]:
    """Ids of the course's actively enrolled, non-archived students, ascending."""
    return list(
        session.scalars(
            select(User.id)
            .join(CourseEnrollment, CourseEnrollment.student_id == User.id)
            .where(
                CourseEnrollment.course_id == course_id,
                CourseEnrollment.active.is_(True),
                User.role == Role.STUDENT.value,
                User.archived.is_(False),
            )
            .order_by(User.id)
        )
    )


def skip_reasons(
    session: Session, course_id: int, user_ids: Collection[int]
) -> dict[int, SkipReason]:
    """Each of ``user_ids`` that may not be in a team of the course, with why (one query)."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(User.id, User.role, User.archived, CourseEnrollment.id)
        .outerjoin(
            CourseEnrollment,
            and_(
                CourseEnrollment.student_id == User.id,
                CourseEnrollment.course_id == course_id,
                CourseEnrollment.active.is_(True),
            ),
        )
        .where(User.id.in_(set(user_ids)))
    )
    reasons: dict[int, SkipReason] = {}
    for user_id, role, archived, enrollment_id in rows:
        if role != Role.STUDENT.value:
            reasons[user_id] = SkipReason.NOT_A_STUDENT
        elif archived:
            reasons[user_id] = SkipReason.ARCHIVED
        elif enrollment_id is None:
            reasons[user_id] = SkipReason.NOT_ENROLLED
    return reasons
