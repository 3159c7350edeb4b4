"""Projects: create, change (fields and lifecycle) and list. Services take a resolved course or
project (``access.dependencies``), never commit, and add their audit rows in the caller's
transaction: ``project.create``, ``project.update`` (``{field: [old, new]}``) and
``project.status`` (``{from, to}``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from teameval.access import PROJECT, Principal, ProjectAction, visible
from teameval.audit_trail import Actor, AuditEntry, record, record_many
from teameval.errors import Conflict, InvalidInput, NotFound
from teameval.models import Course, Project, ProjectStatus
from teameval.projects.lifecycle import check_transition, check_writable
from teameval.projects.schemas import ProjectCreate, ProjectUpdate

# Fields a PATCH may leave out but not set to null.
_NOT_NULL = ("title", "status")
_FIELDS = ("title", "description", "start_date", "end_date")


def _clean_title(title: str) -> str:
    cleaned = title.strip()
    if not cleaned:
        raise InvalidInput(
            "The project title is empty.", errors=[{"field": "title", "message": "empty"}]
        )
    return cleaned


def _clean_description(description: str | None) -> str | None:
    return (description or "").strip() or None


def _check_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput(
            f"The end date {end.isoformat()} is before the start date {start.isoformat()}.",
            errors=[{"field": "end_date", "message": "before start_date"}],
        )


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def create_project(session: Session, actor: Actor, course: Course, body: ProjectCreate) -> Project:
    """A new ``draft`` project of ``course``; a deactivated course takes no new projects (409)."""
    if not course.is_active:
        raise Conflict(f"Course {course.code!r} is deactivated; activate it to add projects.")
    _check_period(body.start_date, body.end_date)
    project = Project(
        school_id=course.school_id,
        course_id=course.id,
        title=_clean_title(body.title),
        description=_clean_description(body.description),
        start_date=body.start_date,
        end_date=body.end_date,
        status=ProjectStatus.DRAFT.value,
    )
    session.add(project)
    session.flush()
    session.refresh(project)  # the database's created_at / updated_at
    record(
        session,
        actor,
        "project.create",
        "project",
        project.id,
        {
            "course_id": course.id,
            "title": project.title,
            "description": project.description,
            "start_date": _json(project.start_date),
            "end_date": _json(project.end_date),
            "status": project.status,
        },
    )
    return project


def lock_project(session: Session, project: Project) -> None:
    """Re-read the project under a row lock (PostgreSQL ``FOR NO KEY UPDATE``), so concurrent
    PATCHes (and the team writes, which lock it too) run one after another."""
    session.refresh(project, with_for_update={"key_share": True})


def update_project(
    session: Session, actor: Actor, project: Project, body: ProjectUpdate
) -> Project:
    """Change only the fields sent. The same status is a no-op; another status must be an allowed
    transition (``lifecycle``); an archived project refuses every change (409)."""
    lock_project(session, project)
    current = ProjectStatus(project.status)
    check_writable(project.id, current)
    sent = body.model_dump(exclude_unset=True)
    for field in _NOT_NULL:
        if field in sent and sent[field] is None:
            raise InvalidInput(
                f"{field} cannot be null.", errors=[{"field": field, "message": "null"}]
            )
    wanted: dict[str, Any] = {}
    if "title" in sent:
        wanted["title"] = _clean_title(sent["title"])
    if "description" in sent:
        wanted["description"] = _clean_description(sent["description"])
    for field in ("start_date", "end_date"):
        if field in sent:
            wanted[field] = sent[field]
    _check_period(
        wanted.get("start_date", project.start_date), wanted.get("end_date", project.end_date)
    )
    target = ProjectStatus(sent["status"]) if "status" in sent else current
    if target is not current:
        check_transition(project.id, current, target)
    changes = {
        field: [_json(getattr(project, field)), _json(value)]
        for field, value in wanted.items()
        if getattr(project, field) != value
    }
    entries = []
    if changes:
        entries.append(AuditEntry("project.update", "project", project.id, changes))
    if target is not current:
        entries.append(
            AuditEntry(
                "project.status", "project", project.id, {"from": current.value, "to": target.value}
            )
        )
    if not entries:
        return project
    for field in changes:
        setattr(project, field, wanted[field])
    project.status = target.value
    session.flush()
    # Read back what the database stored (its updated_at), so this answer and its ETag equal
    # what a later GET answers on both engines.
    session.refresh(project)
    record_many(session, actor, entries)
    return project


def project_list_query(
    principal: Principal, course: Course, status: ProjectStatus | None
) -> Select[Project]:
    """The course's projects the caller may view (students: active and completed ones), in
    order of start date (undated last), then id."""
    query = visible(principal, PROJECT, ProjectAction.VIEW).where(Project.course_id == course.id)
    if status is not None:
        query = query.where(Project.status == status.value)
    return query.order_by(Project.start_date.asc().nulls_last(), Project.id)


# --- for the command line (no signed-in caller: a school, and a course named by its code) -----


def course_by_code(session: Session, school_id: int, code: str) -> Course:
    course = session.scalar(
        select(Course).where(
            Course.school_id == school_id, func.lower(Course.code) == code.strip().lower()
        )
    )
    if course is None:
        raise NotFound(f"No course with code {code!r} in this school.")
    return course


def school_projects(
    session: Session, school_id: int, course: Course | None, status: ProjectStatus | None
) -> list[tuple[Project, str]]:
    """Every project of the school (or of one course), with its course's code, in the order of
    the course code, then as ``project_list_query``."""
    query = (
        select(Project, Course.code)
        .join(Course, Course.id == Project.course_id)
        .where(Project.school_id == school_id)
    )
    if course is not None:
        query = query.where(Project.course_id == course.id)
    if status is not None:
        query = query.where(Project.status == status.value)
    query = query.order_by(Course.code, Project.start_date.asc().nulls_last(), Project.id)
    return [(project, code) for project, code in session.execute(query).all()]
