"""The one place that decides who may see or do what (DESIGN.md invariants 1 and 4).

Routes declare these as dependencies; they never re-implement role checks. Every id taken from a
request is resolved within the caller's school, so another school's id is indistinguishable from
one that does not exist (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from teameval.audit_trail import Actor
from teameval.errors import Forbidden, NotFound
from teameval.kit.inputs import known_id
from teameval.models import Course, CourseEnrollment, Role, TeacherCourse, User


@dataclass(frozen=True)
class Principal:
    """The signed-in caller."""

    user_id: int
    school_id: int
    role: Role
    email: str
    name: str

    @property
    def actor(self) -> Actor:
        return Actor(school_id=self.school_id, user_id=self.user_id, label=f"user:{self.user_id}")

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class CourseAction(StrEnum):
    VIEW = "view"  # read the course itself
    TEACH = "teach"  # see and manage its students and teams
    ADMINISTER = "administer"  # change the course, assign teachers


def require_role(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        allowed = " or ".join(role.value for role in roles)
        raise Forbidden(f"This action needs the {allowed} role.")


def teaches_course(principal: Principal, course_id: int) -> Select[bool]:
    return select(
        exists().where(
            TeacherCourse.course_id == course_id,
            TeacherCourse.teacher_id == principal.user_id,
            TeacherCourse.active.is_(True),
        )
    )


def enrolled_in_course(principal: Principal, course_id: int) -> Select[bool]:
    return select(
        exists().where(
            CourseEnrollment.course_id == course_id,
            CourseEnrollment.student_id == principal.user_id,
            CourseEnrollment.active.is_(True),
        )
    )


def may(session: Session, principal: Principal, action: CourseAction, course_id: int) -> bool:
    """Whether the caller may do ``action`` on a course already known to be in their school."""
    if principal.is_admin:
        return True
    if principal.role is Role.TEACHER and action in (CourseAction.VIEW, CourseAction.TEACH):
        return bool(session.scalar(teaches_course(principal, course_id)))
    if principal.role is Role.STUDENT and action is CourseAction.VIEW:
        # Students reach courses through enrollments only, never through legacy groups.
        return bool(session.scalar(enrolled_in_course(principal, course_id)))
    return False


def course_for(
    session: Session, principal: Principal, course_id: int, action: CourseAction
) -> Course:
    """The course, if it is in the caller's school (else 404) and they may act on it (else 403)."""
    known_id(course_id, f"Course {course_id} does not exist.")
    course = session.scalar(
        select(Course).where(Course.id == course_id, Course.school_id == principal.school_id)
    )
    if course is None:
        raise NotFound(f"Course {course_id} does not exist.")
    if not may(session, principal, action, course_id):
        raise Forbidden(f"You may not {action.value} course {course_id}.")
    return course


def visible_courses(principal: Principal) -> Select[Course]:
    """The courses the caller may see, as a query to filter, sort and paginate further."""
    query = select(Course).where(Course.school_id == principal.school_id)
    if principal.role is Role.TEACHER:
        query = query.where(
            Course.id.in_(
                select(TeacherCourse.course_id).where(
                    TeacherCourse.teacher_id == principal.user_id, TeacherCourse.active.is_(True)
                )
            )
        )
    elif principal.role is Role.STUDENT:
        query = query.where(
            Course.id.in_(
                select(CourseEnrollment.course_id).where(
                    CourseEnrollment.student_id == principal.user_id,
                    CourseEnrollment.active.is_(True),
                )
            )
        )
    return query


def user_in_school(
    session: Session, principal: Principal, user_id: int, role: Role | None = None
) -> User:
    """A user of the caller's school (optionally of one role); anything else is 404."""
    noun = role.value if role else "user"
    known_id(user_id, f"No {noun} with id {user_id}.")
    query = select(User).where(User.id == user_id, User.school_id == principal.school_id)
    if role is not None:
        query = query.where(User.role == role.value)
    user = session.scalar(query)
    if user is None:
        raise NotFound(f"No {noun} with id {user_id}.")
    return user
