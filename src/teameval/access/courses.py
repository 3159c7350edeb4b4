"""Who may do what on a course: the rule table (see ``access.rules`` for how it is used).

admin: every course of their school; teacher: an active ``teacher_courses`` row; student: an
active enrollment, never legacy groups (teams follow enrollments, not the other way round).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, exists
from sqlalchemy.orm import InstrumentedAttribute

from teameval.access.principal import Principal
from teameval.access.rules import ResourceKind, anything, register
from teameval.models import Course, CourseEnrollment, Role, TeacherCourse


class CourseAction(StrEnum):
    VIEW = "view"  # read the course itself
    TEACH = "teach"  # see and manage its students and teams
    ADMINISTER = "administer"  # change the course, assign teachers


def teaches(
    principal: Principal, course_id: ColumnElement[int] | InstrumentedAttribute[int]
) -> ColumnElement[bool]:
    """An active assignment of the caller to ``course_id`` (a column: correlated per row)."""
    return exists().where(
        TeacherCourse.course_id == course_id,
        TeacherCourse.teacher_id == principal.user_id,
        TeacherCourse.active.is_(True),
    )


def enrolled(
    principal: Principal, course_id: ColumnElement[int] | InstrumentedAttribute[int]
) -> ColumnElement[bool]:
    """An active enrollment of the caller in ``course_id``."""
    return exists().where(
        CourseEnrollment.course_id == course_id,
        CourseEnrollment.student_id == principal.user_id,
        CourseEnrollment.active.is_(True),
    )


def _teaches_this(principal: Principal) -> ColumnElement[bool]:
    return teaches(principal, Course.id)


def _enrolled_in_this(principal: Principal) -> ColumnElement[bool]:
    return enrolled(principal, Course.id)


COURSE = register(
    ResourceKind(
        name="course",
        noun="Course",
        model=Course,
        rules={
            (CourseAction.VIEW, Role.ADMIN): anything,
            (CourseAction.TEACH, Role.ADMIN): anything,
            (CourseAction.ADMINISTER, Role.ADMIN): anything,
            (CourseAction.VIEW, Role.TEACHER): _teaches_this,
            (CourseAction.TEACH, Role.TEACHER): _teaches_this,
            (CourseAction.VIEW, Role.STUDENT): _enrolled_in_this,
        },
        student_course=Course.id,
    )
)
