"""A teacher's view of one course: its roster, enrolling and unenrolling students.

Courses and students arrive resolved and checked by the route's typed dependencies
(``access.dependencies``); nothing here decides access. Enrollment writes go through
``courses.enrollments``; creating a student goes through ``sync_students``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from teameval.access import Principal
from teameval.audit_trail import Actor
from teameval.config import Settings
from teameval.errors import Conflict, InvalidInput
from teameval.kit.normalise import normalise_email
from teameval.models import Course, CourseEnrollment, Role, User
from teameval.roster.courses import enrollments
from teameval.roster.legacy import adapter as legacy
from teameval.roster.students.schemas import StudentCreate
from teameval.roster.students.service import create_student
from teameval.roster.students.views import fresh_student
from teameval.roster.teaching.schemas import CourseStudentAdd, RosterEntry


def not_archived(student: User) -> User:
    """The student, if they may join a course or team (409 when archived)."""
    if student.archived:
        raise Conflict(
            f"Student {student.id} is archived; an admin must unarchive them before they can "
            "join a course or team."
        )
    return student


def roster_query(course: Course) -> Select[User]:
    return (
        select(User)
        .join(CourseEnrollment, CourseEnrollment.student_id == User.id)
        .where(CourseEnrollment.course_id == course.id, CourseEnrollment.active.is_(True))
        .order_by(User.name, User.id)
    )


def roster_entries(
    session: Session, course: Course, students: Sequence[User], settings: Settings
) -> list[RosterEntry]:
    """Each student with their legacy team in this course (null while legacy teams are off):
    one query for any roster size."""
    team_of = (
        legacy.active_team_in_course(session, course.id, [s.id for s in students])
        if legacy.is_on(settings)
        else {}
    )
    entries = []
    for student in students:
        team = team_of.get(student.id)
        entries.append(
            RosterEntry(
                **RosterEntry.fields_of(student),
                team_number=team[0] if team else None,
                group_id=team[1] if team else None,
            )
        )
    return entries


def _existing_student(
    session: Session,
    principal: Principal,
    body: CourseStudentAdd,
    named: User | None,
    details: dict[str, Any],
) -> User | None:
    """The student the body names (``named``: its ``student_id``, resolved in the school by the
    route), or one of the school with its email, or None for an email nobody there has yet."""
    if named is not None:
        if details:
            raise InvalidInput(
                "Send either student_id or the new student's details, not both.",
                errors=[
                    {"field": name, "message": "not allowed with student_id"} for name in details
                ],
            )
        return not_archived(named)
    if body.email is None:
        raise InvalidInput(
            "Send student_id, or the email and name of a new student.",
            errors=[{"field": "student_id", "message": "student_id or email is required"}],
        )
    email = normalise_email(body.email)
    holder = session.scalar(
        select(User).where(User.school_id == principal.school_id, User.email == email)
    )
    if holder is None:
        return None
    if holder.role != Role.STUDENT.value:
        raise Conflict(f"The email {email} belongs to a {holder.role}, not a student.")
    # The same person, already a student elsewhere in the school: enroll, change nothing else
    # (a teacher does not edit the details of other courses' students).
    return not_archived(holder)


def add_student_to_course(
    session: Session,
    principal: Principal,
    course: Course,
    body: CourseStudentAdd,
    named: User | None,
    settings: Settings,
) -> tuple[User, bool]:
    """Enroll an existing student, or create one in this course. Returns (student, created)."""
    details = body.model_dump(exclude_unset=True, exclude={"student_id"})
    student = _existing_student(session, principal, body, named, details)
    if student is None:
        new = StudentCreate(**details, courses=[course.code])
        student_id = create_student(session, principal.actor, new, settings)
        return fresh_student(session, principal.school_id, student_id), True
    enrollments.enroll(session, principal.actor, [(course.id, student.id)])
    return student, False


def remove_student_from_course(
    session: Session, actor: Actor, course: Course, student: User
) -> None:
    """Deactivate the enrollment and the student's legacy memberships in this course."""
    enrollments.unenroll(session, actor, [(course.id, student.id)])
