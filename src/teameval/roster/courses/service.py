"""Courses and their teachers. Courses are deactivated, never deleted (enrollments point at them).

Every function takes a course already resolved through ``teameval.access.course_for`` and never
commits; each write adds its audit row in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from teameval.access import Principal, visible_courses
from teameval.audit_trail import Actor, record
from teameval.errors import Conflict, InvalidInput
from teameval.kit.normalise import normalise_name
from teameval.kit.upsert import insert_missing
from teameval.models import Course, Role, TeacherCourse, User
from teameval.models.base import utcnow
from teameval.roster.courses.schemas import CourseCreate, CourseUpdate


def _clean_code(code: str) -> str:
    cleaned = code.strip()
    if not cleaned:
        raise InvalidInput("Course code is empty.", errors=[{"field": "code", "message": "empty"}])
    return cleaned


def _clean_name(name: str) -> str:
    cleaned = normalise_name(name)
    if not cleaned:
        raise InvalidInput("Course name is empty.", errors=[{"field": "name", "message": "empty"}])
    return cleaned


def _optional_text(value: str | None) -> str | None:
    return (value or "").strip() or None


# What a PATCH may send, in the order it is checked, and how each value is cleaned.
_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "code": _clean_code,
    "name": _clean_name,
    "period": _optional_text,
    "level": _optional_text,
    "is_active": bool,
}
# Fields a PATCH may leave out but not set to null, with the name a problem detail uses.
_NOT_NULL = {"code": "Course code", "name": "Course name", "is_active": "is_active"}


def _check_code_free(session: Session, school_id: int, code: str, except_id: int | None) -> None:
    # Case-insensitive on purpose: "oo-4a" next to "OO-4A" is a typo, not a second course.
    query = select(Course.code).where(
        Course.school_id == school_id, func.lower(Course.code) == code.lower()
    )
    if except_id is not None:
        query = query.where(Course.id != except_id)
    taken = session.scalar(query)
    if taken is not None:
        raise Conflict(f"Course code {code!r} is already used by course {taken!r} in this school.")


def _save(session: Session, course: Course, values: dict[str, Any]) -> None:
    """Add or change the course inside a savepoint.

    The code check above can race with another request taking the same code (in any case:
    the database holds codes unique ignoring case); then the unique key decides, and the loser
    gets the same 409 as if the check had seen it. The changes are made inside the savepoint
    so that its rollback takes them back.
    """
    try:
        with session.begin_nested():
            session.add(course)
            for name, value in values.items():
                setattr(course, name, value)
            session.flush()
    except IntegrityError as error:
        code = values.get("code", course.code)
        raise Conflict(f"Course code {code!r} is already used in this school.") from error


def create_course(session: Session, actor: Actor, body: CourseCreate) -> Course:
    code = _clean_code(body.code)
    _check_code_free(session, actor.school_id, code, except_id=None)
    course = Course(
        school_id=actor.school_id,
        code=code,
        name=_clean_name(body.name),
        period=_optional_text(body.period),
        level=_optional_text(body.level),
        is_active=True,
    )
    _save(session, course, {})
    record(
        session,
        actor,
        "course.created",
        "course",
        course.id,
        {"code": course.code, "name": course.name, "period": course.period, "level": course.level},
    )
    return course


def update_course(session: Session, actor: Actor, course: Course, body: CourseUpdate) -> Course:
    """Change only the fields sent; records old and new value of each field that changed.

    The course is re-read under a row lock first (PostgreSQL ``FOR NO KEY UPDATE``), so
    simultaneous PATCHes run one after another and each compares against what the previous one
    wrote: of twenty identical deactivations one changes the row and writes the audit row.
    """
    session.refresh(course, with_for_update={"key_share": True})
    sent = body.model_dump(exclude_unset=True)
    wanted: dict[str, Any] = {}
    for field, clean in _CLEANERS.items():
        if field not in sent:
            continue
        if sent[field] is None and field in _NOT_NULL:
            raise InvalidInput(
                f"{_NOT_NULL[field]} cannot be null.",
                errors=[{"field": field, "message": "null"}],
            )
        wanted[field] = clean(sent[field])
    changes = {
        field: [getattr(course, field), value]
        for field, value in wanted.items()
        if getattr(course, field) != value
    }
    if "code" in changes:
        _check_code_free(session, course.school_id, wanted["code"], except_id=course.id)
    if not changes:
        return course
    _save(session, course, {field: new for field, (_old, new) in changes.items()})
    action = "course.updated"
    if set(changes) == {"is_active"}:
        action = "course.activated" if course.is_active else "course.deactivated"
    record(session, actor, action, "course", course.id, changes)
    return course


def set_course_active(session: Session, actor: Actor, course: Course, active: bool) -> Course:
    return update_course(session, actor, course, CourseUpdate(is_active=active))


def course_list_query(
    principal: Principal, *, active: bool | None, search: str | None
) -> Select[Course]:
    """What the caller may see, filtered, in a stable order (code, then id)."""
    query = visible_courses(principal)
    if active is not None:
        query = query.where(Course.is_active.is_(active))
    if search and search.strip():
        needle = search.strip().lower()
        query = query.where(
            or_(
                func.lower(Course.code).contains(needle, autoescape=True),
                func.lower(Course.name).contains(needle, autoescape=True),
            )
        )
    return query.order_by(Course.code, Course.id)


def assign_teacher(
    session: Session, actor: Actor, course: Course, teacher: User
) -> tuple[TeacherCourse, bool]:
    """Assign (or reactivate) a teacher; returns the row and whether this call changed it.

    "Changed" comes from the database (RETURNING of an INSERT … ON CONFLICT DO NOTHING or of a
    conditional UPDATE), so of many racing assignments exactly one is told it created the row
    and writes the audit row; the others see it done (200, no audit row).
    """
    if teacher.role != Role.TEACHER.value:
        raise InvalidInput(
            f"User {teacher.id} is a {teacher.role}, not a teacher.",
            errors=[{"field": "user_id", "message": f"user {teacher.id} is not a teacher"}],
        )
    if teacher.archived:
        raise Conflict(f"Teacher {teacher.id} is archived; unarchive them first.")
    pair = (TeacherCourse.course_id == course.id, TeacherCourse.teacher_id == teacher.id)
    current = session.execute(select(TeacherCourse.id, TeacherCourse.active).where(*pair)).first()
    action: str | None = None
    if current is None and insert_missing(
        session,
        TeacherCourse.__table__,  # type: ignore[arg-type]
        [{"school_id": course.school_id, "course_id": course.id, "teacher_id": teacher.id}],
        ["course_id", "teacher_id"],
    ):
        action = "teacher_course.created"
    elif (current is None or not current.active) and _set_assignment_active(
        session, course, teacher, True
    ):
        action = "teacher_course.reactivated"
    row = session.scalars(
        select(TeacherCourse).where(*pair).execution_options(populate_existing=True)
    ).one()
    if action is None:
        return row, False
    record(
        session,
        actor,
        action,
        "teacher_course",
        row.id,
        {"course_id": course.id, "teacher_id": teacher.id},
    )
    return row, True


def _set_assignment_active(session: Session, course: Course, teacher: User, active: bool) -> bool:
    """Flip the assignment's flag if it differs; whether this statement changed it."""
    changed = session.execute(
        update(TeacherCourse)
        .where(
            TeacherCourse.course_id == course.id,
            TeacherCourse.teacher_id == teacher.id,
            TeacherCourse.active.is_not(active),
        )
        .values(active=active, updated_at=utcnow())
        .returning(TeacherCourse.id),
        execution_options={"synchronize_session": False},
    ).first()
    return changed is not None


def unassign_teacher(session: Session, actor: Actor, course: Course, teacher: User) -> None:
    """Deactivate the assignment (kept for history); a teacher not assigned is a no-op, and of
    racing unassignments only the one that changed the row audits it."""
    row_id = session.scalar(
        select(TeacherCourse.id).where(
            TeacherCourse.course_id == course.id, TeacherCourse.teacher_id == teacher.id
        )
    )
    if row_id is None or not _set_assignment_active(session, course, teacher, False):
        return
    record(
        session,
        actor,
        "teacher_course.deactivated",
        "teacher_course",
        row_id,
        {"course_id": course.id, "teacher_id": teacher.id},
    )
