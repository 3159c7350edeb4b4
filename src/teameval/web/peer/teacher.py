"""A teacher's (of the project's course) and an admin's peer evaluation pages.

- ``/peer-evaluations``: the evaluations the caller may see, and the projects they may start
  one in;
- ``/projects/{id}/peer-evaluations/new`` → ``POST /projects/{id}/peer-evaluations``: create one
  (a draft) with its rubric, window and correction setting;
- ``/peer-evaluations/{id}``: settings, status changes (``POST .../status``: open, close, reopen,
  publish), who submitted per team, every student's factors and flags;
- ``/peer-evaluations/{id}/teams/{team_id}``: one team version's ratings, rater by ratee, with
  the comments the teacher may hide from the ratee (``POST .../ratings/{id}/comment``);
- ``/peer-evaluations/{id}/preview``: the fairness preview (grade uncorrected and under each
  model), the model choice (``POST .../settings``) and publishing.

Pages call the services the API calls (``teameval.peer.evaluations`` and ``.reports``); the
ids in the path are resolved by ``access.pages`` (another school's id: 404; a teacher not of
the course: 403).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
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
from teameval.access.pages import (
    PagePeerEvaluationToManage,
    PagePeerEvaluationToView,
    PageProjectToManage,
    allows,
)
from teameval.assessments.grading import decimal_text
from teameval.assessments.rubrics.service import rubric_list_query
from teameval.deps import SessionDep
from teameval.errors import AppError, InvalidInput, NotFound
from teameval.models import (
    Course,
    PeerEvaluation,
    PeerStatus,
    Project,
    ProjectAssessment,
    ProjectStatus,
    Rubric,
    RubricScope,
)
from teameval.peer import evaluations, reports
from teameval.peer.schemas import (
    TITLE_MAX,
    PeerEvaluationCreate,
    PeerEvaluationUpdate,
)
from teameval.web.assessments.forms import FieldErrors, FormDep, body_or_errors, text_of
from teameval.web.csrf import CsrfChecked
from teameval.web.i18n import SCHOOL_TIMEZONE
from teameval.web.pages import Page, StaffPage
from teameval.web.peer.labels import MODELS, NON_SUBMITTER, labels

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
MAX_CHOICES = 500
MAX_ID = 2**31 - 1
STATUS_TARGETS = ("open", "closed", "published")
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


def _local_time(text: str) -> datetime | None:
    """``2026-12-01T09:00`` (a ``datetime-local`` field) on the school's clock; None if empty.
    ``ValueError`` on anything else."""
    text = text.strip()
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SCHOOL_TIMEZONE)
    return moment


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _id(text: str) -> int | None:
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def _settings_from(
    page: Page, form: Any, fields: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, Any], FieldErrors]:
    """(values as typed, values for the service's body, errors by field) of ``fields``."""
    typed: dict[str, Any] = {}
    parsed: dict[str, Any] = {}
    errors: FieldErrors = []

    def wrong(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    for field in fields:
        if field == "include_self":
            typed[field] = text_of(form, field) in ("1", "on", "true")
            parsed[field] = typed[field]
            continue
        text = text_of(form, field)
        typed[field] = text
        if field == "title":
            if not text.strip():
                wrong(field, page.gettext("Enter a title."))
            elif len(text.strip()) > TITLE_MAX:
                wrong(
                    field, page.gettext("Use at most %(count)s characters.") % {"count": TITLE_MAX}
                )
            else:
                parsed[field] = text.strip()
        elif field in ("rubric_id", "assessment_id"):
            if not text.strip():
                if field == "rubric_id":
                    wrong(field, page.gettext("Choose a peer rubric."))
                else:
                    parsed[field] = None
            elif (value := _id(text)) is None:
                wrong(field, page.gettext("Choose one of the options."))
            else:
                parsed[field] = value
        elif field in ("opens_at", "closes_at"):
            try:
                parsed[field] = _local_time(text)
            except ValueError:
                wrong(field, page.gettext("Enter a date and time, such as 2026-12-01 09:00."))
        elif field == "model":
            if text not in MODELS:
                wrong(field, page.gettext("Choose one of the options."))
            else:
                parsed[field] = text
        elif field == "non_submitter":
            if text not in NON_SUBMITTER:
                wrong(field, page.gettext("Choose one of the options."))
            else:
                parsed[field] = text
        elif field == "weighting":
            number = _decimal(text)
            if number is None or not 0 <= number <= 1 or number != round(number, 4):
                wrong(field, page.gettext("Enter a number from 0 to 1, such as 0.5."))
            else:
                parsed[field] = number
        elif field == "penalty":
            number = _decimal(text or "0")
            if number is None or not 0 <= number <= 100 or number != round(number, 2):
                wrong(field, page.gettext("Enter grade points from 0 to 100, such as 0.5."))
            else:
                parsed[field] = number
    return typed, parsed, errors


def _service_errors(page: Page, problems: list[dict[str, Any]]) -> FieldErrors:
    """The service's or pydantic's problems, each beside its field (English from the service)."""
    shown: FieldErrors = []
    for problem in problems:
        field = str(problem.get("field", "")).split(".")[0]
        shown.append({"field": field, "message": str(problem.get("message", ""))})
    return shown or [{"field": "", "message": page.gettext("This could not be saved.")}]


@router.post("/projects/{project_id}/peer-evaluations", dependencies=[CsrfChecked])
def create_peer_evaluation(
    page: StaffPage, project: PageProjectToManage, session: SessionDep, form: FormDep
) -> Response:
    typed, parsed, errors = _settings_from(page, form, FORM_FIELDS)
    body = None
    if not errors:
        body, problems = body_or_errors(PeerEvaluationCreate, parsed)
        errors = _service_errors(page, problems) if problems else []
    if body is None:
        return _render_new(page, session, project, typed, errors, 422)
    try:
        created = evaluations.create_evaluation(session, page.principal.actor, project, body)
    except InvalidInput as invalid:
        errors = _service_errors(page, invalid.extensions.get("errors") or [])
        return _render_new(page, session, project, typed, errors, 422)
    except AppError as refused:  # an archived project (409)
        errors = [{"field": "", "message": refused.detail}]
        return _render_new(page, session, project, typed, errors, refused.status)
    return page.redirect(
        f"/peer-evaluations/{created.id}",
        flash=page.gettext("The peer evaluation is created as a draft."),
    )


# --- one evaluation -----------------------------------------------------------------------------


def _about(session: Session, evaluation: PeerEvaluation) -> dict[str, Any]:
    """The project, course, rubric and linked assessment's names, in one statement."""
    row = session.execute(
        select(
            Project.id,
            Project.title,
            Course.code,
            Course.name,
            Rubric.title,
            Rubric.scale_min,
            Rubric.scale_max,
        )
        .join(Course, Course.id == Project.course_id)
        .join(Rubric, Rubric.id == evaluation.rubric_id)
        .where(Project.id == evaluation.project_id)
    ).one()
    assessment = None
    if evaluation.assessment_id is not None:
        found = session.execute(
            select(ProjectAssessment.id, ProjectAssessment.title, ProjectAssessment.status).where(
                ProjectAssessment.id == evaluation.assessment_id
            )
        ).one()
        assessment = {"id": found[0], "title": found[1], "status": found[2]}
    return {
        "project": {"id": row[0], "title": row[1]},
        "course": {"code": row[2], "name": row[3]},
        "rubric": {"title": row[4], "scale_min": row[5], "scale_max": row[6]},
        "assessment": assessment,
    }


def _targets(evaluation: PeerEvaluation) -> list[str]:
    current = PeerStatus(evaluation.status)
    return [target.value for target in evaluations.TRANSITIONS[current]]


def _manage(session: Session, page: Page, evaluation: PeerEvaluation) -> bool:
    return allows(session, page, PEER_EVALUATION, PeerEvaluationAction.MANAGE, evaluation.id)


def _numbers(item: Any) -> dict[str, Decimal]:
    return {model: Decimal(getattr(item, model)) for model in ("webpa", "catme", "gcf")}


def _factors(session: Session, evaluation: PeerEvaluation) -> tuple[list[Any], str | None]:
    """Every student's factors and flags; or none and why, when they cannot be computed now
    (the linked assessment's grades no longer compute: 409 from the service)."""
    try:
        return list(reports.factors(session, evaluation).students), None
    except AppError as refused:
        if refused.status != 409:
            raise
        return [], refused.detail


def _render_overview(
    page: Page,
    session: Session,
    evaluation: PeerEvaluation,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    manage = _manage(session, page, evaluation)
    progress = reports.progress(session, evaluation)
    students, problem = _factors(session, evaluation)
    return page.render(
        "peer/evaluation.html",
        {
            "evaluation": evaluation,
            **_about(session, evaluation),
            "progress": progress,
            "team_names": {team.project_team_id: team.name for team in progress.teams},
            "factors": students,
            "factor_numbers": {item.student_id: _numbers(item) for item in students},
            "problem": problem,
            "targets": _targets(evaluation) if manage else [],
            "manage": manage,
            "weighting": Decimal(decimal_text(evaluation.weighting)),
            "penalty": Decimal(decimal_text(evaluation.penalty)),
            "errors": errors or [],
            "labels": labels(),
        },
        status_code=status_code,
    )


@router.get("/peer-evaluations/{evaluation_id}")
def peer_evaluation_page(
    page: StaffPage, evaluation: PagePeerEvaluationToView, session: SessionDep
) -> HTMLResponse:
    return _render_overview(page, session, evaluation)


@router.post("/peer-evaluations/{evaluation_id}/status", dependencies=[CsrfChecked])
def change_status(
    page: StaffPage,
    evaluation: PagePeerEvaluationToManage,
    session: SessionDep,
    status: Annotated[str, Form(max_length=20)] = "",
    back: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    if status not in STATUS_TARGETS:
        message = page.gettext("Choose open, closed or published.")
        return _render_overview(
            page, session, evaluation, [{"field": "status", "message": message}], 422
        )
    before = evaluation.status
    try:
        with session.begin_nested():  # a refused publish leaves nothing half written
            evaluations.update_evaluation(
                session,
                page.principal.actor,
                evaluation,
                PeerEvaluationUpdate(status=PeerStatus(status)),
            )
    except AppError as refused:
        session.refresh(evaluation)
        errors = [{"field": "", "message": refused.detail}]
        if back == "preview":
            return _render_preview(page, session, evaluation, errors, refused.status)
        return _render_overview(page, session, evaluation, errors, refused.status)
    flash = {
        "open": page.gettext("The peer evaluation is open: students can rate each other.")
        if before == "draft"
        else page.gettext("The peer evaluation is open again."),
        "closed": page.gettext("The peer evaluation is closed."),
        "published": page.gettext("The peer evaluation is published: students see their feedback."),
    }[status]
    return page.redirect(f"/peer-evaluations/{evaluation.id}", flash=flash)


# --- one team's ratings -------------------------------------------------------------------------


@router.get("/peer-evaluations/{evaluation_id}/teams/{team_id}")
def team_matrix(
    page: StaffPage, evaluation: PagePeerEvaluationToView, team_id: int, session: SessionDep
) -> HTMLResponse:
    if not 1 <= team_id <= MAX_ID:
        raise reports.not_linked(evaluation.id, team_id)
    matrix = reports.matrix(session, evaluation, team_id)
    progress = {team.project_team_id: team for team in reports.progress(session, evaluation).teams}
    team = progress.get(team_id)
    cells: dict[tuple[int, int, int], Any] = {
        (r.criterion_id, r.rater_id, r.ratee_id): r for r in matrix.ratings
    }
    names = {member.id: member.name for member in matrix.members}
    return page.render(
        "peer/matrix.html",
        {
            "evaluation": evaluation,
            "team": team,
            "team_name": team.name if team else str(team_id),
            "matrix": matrix,
            "cells": cells,
            "names": names,
            "commented": [r for r in matrix.ratings if r.comment],
            "criterion_names": {c.id: c.name for c in matrix.criteria},
            "manage": _manage(session, page, evaluation),
            "labels": labels(),
        },
    )


@router.post(
    "/peer-evaluations/{evaluation_id}/ratings/{rating_id}/comment", dependencies=[CsrfChecked]
)
def hide_comment(
    page: StaffPage,
    evaluation: PagePeerEvaluationToManage,
    rating_id: int,
    session: SessionDep,
    hidden: Annotated[str, Form(max_length=5)] = "1",
    team_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    if not 1 <= rating_id <= MAX_ID:
        raise NotFound(f"Rating {rating_id} does not exist in peer evaluation {evaluation.id}.")
    evaluations.lock_evaluation(session, evaluation)
    try:
        reports.hide_comment(session, page.principal.actor, evaluation, rating_id, hidden == "1")
    except AppError as refused:
        if refused.status == 404:
            raise
        return _render_overview(
            page, session, evaluation, [{"field": "", "message": refused.detail}], refused.status
        )
    team = _id(team_id)
    url = f"/peer-evaluations/{evaluation.id}" + (f"/teams/{team}" if team else "")
    flash = (
        page.gettext("The comment is hidden from the student.")
        if hidden == "1"
        else page.gettext("The comment is shown to the student again.")
    )
    return page.redirect(url, flash=flash)


# --- the fairness preview -----------------------------------------------------------------------


def _render_preview(
    page: Page,
    session: Session,
    evaluation: PeerEvaluation,
    errors: FieldErrors | None = None,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    about = _about(session, evaluation)
    preview = None
    grades: dict[int, dict[str, Decimal | None]] = {}
    students: list[Any] = []
    problem = None
    if evaluation.assessment_id is not None:
        try:
            preview = reports.preview(session, evaluation)
        except AppError as refused:
            if refused.status != 409:
                raise
            problem = refused.detail
    if preview is not None:
        students = list(preview.students)
        for student in preview.students:
            grades[student.student_id] = {
                "base": None if student.base_grade is None else Decimal(student.base_grade),
                **{
                    model: None if grade is None else Decimal(grade)
                    for model, grade in student.grades.items()
                },
            }
    elif problem is None:
        students, problem = _factors(session, evaluation)
    manage = _manage(session, page, evaluation)
    teams = reports.progress(session, evaluation).teams
    return page.render(
        "peer/preview.html",
        {
            "evaluation": evaluation,
            **about,
            "preview": preview,
            "grades": grades,
            "students": students,
            "problem": problem,
            "team_names": {team.project_team_id: team.name for team in teams},
            "factor_numbers": {item.student_id: _numbers(item) for item in students},
            "manage": manage,
            # The service changes the correction setting only while a draft (409 after).
            "settings_editable": manage and evaluation.status == PeerStatus.DRAFT.value,
            "weighting": Decimal(decimal_text(evaluation.weighting)),
            "penalty": Decimal(decimal_text(evaluation.penalty)),
            "values": values
            or {
                "model": evaluation.model,
                "weighting": decimal_text(evaluation.weighting),
                "non_submitter": evaluation.non_submitter,
                "penalty": decimal_text(evaluation.penalty),
            },
            "model_options": [(key, page.gettext(text)) for key, text in MODELS.items()],
            "non_submitter_options": [
                (key, page.gettext(text)) for key, text in NON_SUBMITTER.items()
            ],
            "errors": errors or [],
            "error_of": {item["field"]: item["message"] for item in errors or []},
            "labels": labels(),
        },
        status_code=status_code,
    )


@router.get("/peer-evaluations/{evaluation_id}/preview")
def preview_page(
    page: StaffPage, evaluation: PagePeerEvaluationToView, session: SessionDep
) -> HTMLResponse:
    return _render_preview(page, session, evaluation)


SETTINGS_FIELDS = ("model", "weighting", "non_submitter", "penalty")


@router.post("/peer-evaluations/{evaluation_id}/settings", dependencies=[CsrfChecked])
def change_settings(
    page: StaffPage, evaluation: PagePeerEvaluationToManage, session: SessionDep, form: FormDep
) -> Response:
    typed, parsed, errors = _settings_from(page, form, SETTINGS_FIELDS)
    body = None
    if not errors:
        body, problems = body_or_errors(PeerEvaluationUpdate, parsed)
        errors = _service_errors(page, problems) if problems else []
    if body is None:
        return _render_preview(page, session, evaluation, errors, 422, typed)
    try:
        with session.begin_nested():
            evaluations.update_evaluation(session, page.principal.actor, evaluation, body)
    except InvalidInput as invalid:
        session.refresh(evaluation)
        errors = _service_errors(page, invalid.extensions.get("errors") or [])
        return _render_preview(page, session, evaluation, errors, 422, typed)
    except AppError as refused:  # not a draft any more (409)
        session.refresh(evaluation)
        errors = [{"field": "", "message": refused.detail}]
        return _render_preview(page, session, evaluation, errors, refused.status, typed)
    return page.redirect(
        f"/peer-evaluations/{evaluation.id}/preview",
        flash=page.gettext("The correction setting is saved."),
    )


# --- the CSV export -----------------------------------------------------------------------------


@router.get("/peer-evaluations/{evaluation_id}/export.csv")
def export_file(
    page: StaffPage, evaluation: PagePeerEvaluationToView, session: SessionDep
) -> Response:
    """The API's export (``reports.export_csv``): every student's factors, flags and grade."""
    export = reports.export_csv(session, evaluation)
    response = Response(
        content=export.content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )
    page.finish(response)
    return response
