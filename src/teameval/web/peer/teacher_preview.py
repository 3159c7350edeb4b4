"""A teacher's (of the project's course) and an admin's fairness preview of a peer evaluation,
its correction setting and its CSV export.

- ``/peer-evaluations/{id}/preview``: the fairness preview (grade uncorrected and under each
  model), the model choice (``POST .../settings``, only while a draft) and publishing (the form
  posts to ``teacher``'s ``.../status``);
- ``/peer-evaluations/{id}/export.csv``: every student's factors, flags and grade.

Pages call the services the API calls (``teameval.peer.evaluations`` and ``.reports``); the id
in the path is resolved by ``access.pages`` (another school's id: 404; a teacher not of the
course: 403).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from teameval.access.pages import PagePeerEvaluationToManage, PagePeerEvaluationToView
from teameval.assessments.grading import decimal_text
from teameval.deps import SessionDep
from teameval.errors import AppError, InvalidInput
from teameval.models import PeerEvaluation, PeerStatus
from teameval.peer import evaluations, reports
from teameval.peer.schemas import PeerEvaluationUpdate
from teameval.web.assessments.forms import FieldErrors, FormDep, body_or_errors
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import Page, StaffPage
from teameval.web.peer.labels import MODELS, NON_SUBMITTER, labels
from teameval.web.peer.teacher_common import (
    about_evaluation,
    can_manage,
    factors,
    numbers,
    service_errors,
    settings_from,
)

router = APIRouter(include_in_schema=False)


# --- the fairness preview -----------------------------------------------------------------------


def render_preview(
    page: Page,
    session: Session,
    evaluation: PeerEvaluation,
    errors: FieldErrors | None = None,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    about = about_evaluation(session, evaluation)
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
        students, problem = factors(session, evaluation)
    manage = can_manage(session, page, evaluation)
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
            "factor_numbers": {item.student_id: numbers(item) for item in students},
            "manage": manage,
            # The correction setting may change until publication: chosen with the preview.
            "settings_editable": manage and evaluation.status != PeerStatus.PUBLISHED.value,
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
    return render_preview(page, session, evaluation)


SETTINGS_FIELDS = ("model", "weighting", "non_submitter", "penalty")


@router.post("/peer-evaluations/{evaluation_id}/settings", dependencies=[CsrfChecked])
def change_settings(
    page: StaffPage, evaluation: PagePeerEvaluationToManage, session: SessionDep, form: FormDep
) -> Response:
    typed, parsed, errors = settings_from(page, form, SETTINGS_FIELDS)
    body = None
    if not errors:
        body, problems = body_or_errors(PeerEvaluationUpdate, parsed)
        errors = service_errors(page, problems) if problems else []
    if body is None:
        return render_preview(page, session, evaluation, errors, 422, typed)
    try:
        with session.begin_nested():
            evaluations.update_evaluation(session, page.principal.actor, evaluation, body)
    except InvalidInput as invalid:
        session.refresh(evaluation)
        errors = service_errors(page, invalid.extensions.get("errors") or [])
        return render_preview(page, session, evaluation, errors, 422, typed)
    except AppError as refused:  # not a draft any more (409)
        session.refresh(evaluation)
        errors = [{"field": "", "message": refused.detail}]
        return render_preview(page, session, evaluation, errors, refused.status, typed)
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
