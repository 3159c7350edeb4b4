"""A teacher's (of the project's course) and an admin's list of peer evaluations; creating one.

- ``/peer-evaluations``: the evaluations the caller may see, and the projects they may start
  one in;
- ``/projects/{id}/peer-evaluations/new`` → ``POST /projects/{id}/peer-evaluations``: create one
  (a draft) with its rubric, window and correction setting.

One evaluation's pages are in ``teacher`` and ``teacher_preview``. Pages call the services the
API calls (``teameval.peer.evaluations``); the project id in the path is resolved by
``access.pages`` (another school's id: 404; a teacher not of the course: 403).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from teameval.access import (
    PEER_EVALUATION,
    PROJECT,
    PeerEvaluationAction,
    Principal,
    ProjectAction,
    visible,
)
from teameval.access.pages import PageProjectToManage
from teameval.assessments.rubrics.service import rubric_list_query
from teameval.deps import SessionDep
from teameval.errors import AppError, InvalidInput
from teameval.models import (
    Course,
    PeerEvaluation,
    Project,
    ProjectAssessment,
    ProjectStatus,
    RubricScope,
)
from teameval.peer import evaluations
from teameval.peer.schemas import PeerEvaluationCreate
from teameval.web.assessments.forms import FieldErrors, FormDep, body_or_errors
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import Page, StaffPage
from teameval.web.peer.labels import MODELS, NON_SUBMITTER, labels
from teameval.web.peer.teacher_common import service_errors, settings_from

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
MAX_CHOICES = 500
FORM_FIELDS = (
    "title",
    "rubric_id",
    "include_self",
    "opens_at",
    "closes_at",
    "model",
    "weighting",
    "non_submitter",
    "penalty",
    "assessment_id",
)


# --- the list -----------------------------------------------------------------------------------


def _projects(session: Session, principal: Principal) -> list[Any]:
    """(id, title, course code) of the projects the caller may manage, not archived."""
    query = (
        visible(principal, PROJECT, ProjectAction.MANAGE)
        .with_only_columns(Project.id, Project.title, Course.code)
        .join(Course, Course.id == Project.course_id)
        .where(Project.status != ProjectStatus.ARCHIVED.value)
        .order_by(Course.code, Project.title, Project.id)
        .limit(MAX_CHOICES)
    )
    return list(session.execute(query).all())


@router.get("/peer-evaluations")
def peer_evaluation_list(
    page: StaffPage,
    session: SessionDep,
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    principal = page.principal
    # An alias: the teacher's rule correlates its own ``projects``.
    project = aliased(Project)
    query = (
        visible(principal, PEER_EVALUATION, PeerEvaluationAction.VIEW)
        .add_columns(project.title, Course.code)
        .join(project, project.id == PeerEvaluation.project_id)
        .join(Course, Course.id == project.course_id)
    )
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.execute(
        query.order_by(PeerEvaluation.created_at.desc(), PeerEvaluation.id.desc())
        .limit(PAGE_SIZE)
        .offset((page_number - 1) * PAGE_SIZE)
    ).all()
    return page.render(
        "peer/list.html",
        {
            "rows": rows,
            "paging": {
                "page": page_number,
                "pages": max(1, -(-total // PAGE_SIZE)),
                "total": total,
            },
            "projects": _projects(session, principal),
            "labels": labels(),
        },
    )


# --- creating one -------------------------------------------------------------------------------


def _choices(session: Session, page: Page, project: Project) -> dict[str, Any]:
    rubrics = session.scalars(
        rubric_list_query(page.principal, scope=RubricScope.PEER.value, search=None).limit(
            MAX_CHOICES
        )
    ).all()
    assessments = session.execute(
        select(ProjectAssessment.id, ProjectAssessment.title)
        .where(ProjectAssessment.project_id == project.id)
        .order_by(ProjectAssessment.created_at.desc(), ProjectAssessment.id.desc())
        .limit(MAX_CHOICES)
    ).all()
    return {
        "rubric_options": [(rubric.id, rubric.title) for rubric in rubrics],
        "assessment_options": [(row.id, row.title) for row in assessments],
        "model_options": [(key, page.gettext(text)) for key, text in MODELS.items()],
        "non_submitter_options": [(key, page.gettext(text)) for key, text in NON_SUBMITTER.items()],
    }


def _render_new(
    page: Page,
    session: Session,
    project: Project,
    values: dict[str, Any],
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    names = _field_names(page)
    shown = [{**item, "field": names.get(item["field"], item["field"])} for item in errors or []]
    return page.render(
        "peer/new.html",
        {
            "project": project,
            "values": values,
            "errors": shown,
            "error_of": {item["field"]: item["message"] for item in errors or []},
            **_choices(session, page, project),
        },
        status_code=status_code,
    )


def _field_names(page: Page) -> dict[str, str]:
    return {
        "title": page.gettext("Title"),
        "rubric_id": page.gettext("Peer rubric"),
        "opens_at": page.gettext("Opens at"),
        "closes_at": page.gettext("Closes at"),
        "model": page.gettext("Correction model"),
        "weighting": page.gettext("Weighting w"),
        "non_submitter": page.gettext("Students who do not submit"),
        "penalty": page.gettext("Penalty for not submitting"),
        "assessment_id": page.gettext("Assessment whose grades it corrects"),
        "thresholds": page.gettext("Flag thresholds"),
    }


@router.get("/projects/{project_id}/peer-evaluations/new")
def new_peer_evaluation(
    page: StaffPage, project: PageProjectToManage, session: SessionDep
) -> HTMLResponse:
    values = {
        "title": "",
        "rubric_id": "",
        "include_self": True,
        "opens_at": "",
        "closes_at": "",
        "model": "webpa",
        "weighting": "0.5",
        "non_submitter": "cap",
        "penalty": "0",
        "assessment_id": "",
    }
    return _render_new(page, session, project, values)


@router.post("/projects/{project_id}/peer-evaluations", dependencies=[CsrfChecked])
def create_peer_evaluation(
    page: StaffPage, project: PageProjectToManage, session: SessionDep, form: FormDep
) -> Response:
    typed, parsed, errors = settings_from(page, form, FORM_FIELDS)
    body = None
    if not errors:
        body, problems = body_or_errors(PeerEvaluationCreate, parsed)
        errors = service_errors(page, problems) if problems else []
    if body is None:
        return _render_new(page, session, project, typed, errors, 422)
    try:
        created = evaluations.create_evaluation(session, page.principal.actor, project, body)
    except InvalidInput as invalid:
        errors = service_errors(page, invalid.extensions.get("errors") or [])
        return _render_new(page, session, project, typed, errors, 422)
    except AppError as refused:  # an archived project (409)
        errors = [{"field": "", "message": refused.detail}]
        return _render_new(page, session, project, typed, errors, refused.status)
    return page.redirect(
        f"/peer-evaluations/{created.id}",
        flash=page.gettext("The peer evaluation is created as a draft."),
    )
