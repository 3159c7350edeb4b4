"""``/assessments``: the assessments the caller may see (optionally one project's), and the form
that creates one (``/assessments/new`` → ``POST /assessments``).

The project of a new assessment is a form field, not a path id: the form offers the projects
the caller may manage (``access.visible``), and a posted id outside that list is an invalid
choice (422 on the form), whatever school it belongs to.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from teameval.access import (
    ASSESSMENT,
    PROJECT,
    AssessmentAction,
    Principal,
    ProjectAction,
    visible,
)
from teameval.assessments.lifecycle import service as assessments
from teameval.assessments.lifecycle.schemas import TITLE_MAX, AssessmentCreate
from teameval.assessments.rubrics.service import rubric_list_query
from teameval.deps import SessionDep
from teameval.errors import AppError, InvalidInput
from teameval.models import Course, Project, ProjectAssessment, ProjectStatus, RubricScope
from teameval.web.assessments.forms import FieldErrors, body_or_errors, whole_number
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import Page, StaffPage

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
MAX_CHOICES = 500  # projects and rubrics offered in a select
KINDS = ("final", "interim")


@router.get("/assessments")
def assessment_list(
    page: StaffPage,
    session: SessionDep,
    project_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    principal = page.principal
    # An alias: the teacher's rule correlates its own ``projects`` (an EXISTS on the assessment's
    # project), which a join of the same table would swallow.
    project = aliased(Project)
    query = (
        visible(principal, ASSESSMENT, AssessmentAction.VIEW)
        .add_columns(project.title, Course.code, Course.name)
        .join(project, project.id == ProjectAssessment.project_id)
        .join(Course, Course.id == project.course_id)
    )
    if project_id is not None:
        query = query.where(ProjectAssessment.project_id == project_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(ProjectAssessment.created_at.desc(), ProjectAssessment.id.desc())
        .limit(PAGE_SIZE)
        .offset((page_number - 1) * PAGE_SIZE)
    ).all()
    projects = _projects(session, principal, ProjectAction.VIEW)
    pages = max(1, -(-int(total) // PAGE_SIZE))
    return page.render(
        "assessments/list.html",
        {
            "rows": rows,
            "total": int(total),
            "paging": {"page": page_number, "pages": pages, "total": int(total)},
            "base_query": f"project_id={project_id}&" if project_id else "",
            "projects": projects,
            "project_id": project_id,
        },
    )


def _projects(session: Session, principal: Principal, action: ProjectAction) -> list[Any]:
    """(id, title, course code) of the projects the caller may ``action``, not archived."""
    query = (
        visible(principal, PROJECT, action)
        .with_only_columns(Project.id, Project.title, Course.code)
        .join(Course, Course.id == Project.course_id)
        .where(Project.status != ProjectStatus.ARCHIVED.value)
        .order_by(Course.code, Project.title, Project.id)
        .limit(MAX_CHOICES)
    )
    return list(session.execute(query).all())


def _rubrics(session: Session, principal: Principal) -> list[Any]:
    query = rubric_list_query(principal, scope=RubricScope.PROJECT.value, search=None)
    return list(session.scalars(query.limit(MAX_CHOICES)).all())


def _form(
    page: Page,
    session: Session,
    values: dict[str, Any],
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    principal = page.principal
    labels = {
        "project_id": page.gettext("Project"),
        "rubric_id": page.gettext("Rubric"),
        "title": page.gettext("Title"),
        "kind": page.gettext("Kind"),
    }
    shown = [{**item, "field": labels.get(item["field"], item["field"])} for item in errors or []]
    return page.render(
        "assessments/new.html",
        {
            "project_options": [
                (id_, f"{code} · {title}")
                for id_, title, code in _projects(session, principal, ProjectAction.MANAGE)
            ],
            "rubric_options": [
                (rubric.id, rubric.title) for rubric in _rubrics(session, principal)
            ],
            "values": values,
            "errors": shown,
            "error_of": {item["field"]: item["message"] for item in errors or []},
        },
        status_code=status_code,
    )


@router.get("/assessments/new")
def new_assessment(
    page: StaffPage,
    session: SessionDep,
    project_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> HTMLResponse:
    values = {"project_id": project_id or "", "rubric_id": "", "title": "", "kind": "final"}
    return _form(page, session, values)


@router.post("/assessments", dependencies=[CsrfChecked])
def create_assessment(
    page: StaffPage,
    session: SessionDep,
    project_id: Annotated[str, Form(max_length=20)] = "",
    rubric_id: Annotated[str, Form(max_length=20)] = "",
    title: Annotated[str, Form(max_length=1000)] = "",
    kind: Annotated[str, Form(max_length=100)] = "final",
) -> Response:
    values = {"project_id": project_id, "rubric_id": rubric_id, "title": title, "kind": kind}
    errors: FieldErrors = []
    principal = page.principal
    chosen = whole_number(project_id)
    project = None
    if chosen is not None:
        project = session.scalar(
            visible(principal, PROJECT, ProjectAction.MANAGE).where(Project.id == chosen)
        )
    if project is None:
        errors.append({"field": "project_id", "message": page.gettext("Choose a project.")})
    rubric = whole_number(rubric_id)
    if rubric is None:
        errors.append({"field": "rubric_id", "message": page.gettext("Choose a rubric.")})
    if not title.strip():
        errors.append({"field": "title", "message": page.gettext("Enter a title.")})
    elif len(title.strip()) > TITLE_MAX:
        message = page.gettext("Use at most %(count)s characters.") % {"count": TITLE_MAX}
        errors.append({"field": "title", "message": message})
    if kind not in KINDS:
        errors.append({"field": "kind", "message": page.gettext("Choose final or interim.")})
    body = None
    if not errors:
        fields = {"title": title.strip(), "rubric_id": rubric, "kind": kind}
        body, errors = body_or_errors(AssessmentCreate, fields)
    if body is None or project is None:
        return _form(page, session, values, errors, 422)
    try:
        created = assessments.create_assessment(session, principal.actor, project, body)
    except InvalidInput as invalid:
        return _form(page, session, values, invalid.extensions.get("errors") or [], 422)
    except AppError as refused:  # an archived project (409): say so on the form
        errors = [{"field": "project_id", "message": refused.detail}]
        return _form(page, session, values, errors, refused.status)
    return page.redirect(
        f"/assessments/{created.id}", flash=page.gettext("The assessment is created as a draft.")
    )
