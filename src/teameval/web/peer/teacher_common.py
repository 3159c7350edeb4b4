"""What a teacher's peer evaluation pages share (``teacher_list``, ``teacher`` and
``teacher_preview``): reading the settings form (create, and the correction setting) into the
services' body with each problem beside its field; an evaluation's names, the caller's right to
manage it, and its students' factors (or why they cannot be computed now)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.access import PEER_EVALUATION, PeerEvaluationAction
from teameval.access.pages import allows
from teameval.errors import AppError
from teameval.models import Course, PeerEvaluation, Project, ProjectAssessment, Rubric
from teameval.peer import reports
from teameval.peer.schemas import TITLE_MAX
from teameval.web.assessments.forms import FieldErrors, text_of
from teameval.web.i18n import SCHOOL_TIMEZONE
from teameval.web.pages import Page
from teameval.web.peer.labels import MODELS, NON_SUBMITTER

MAX_ID = 2**31 - 1


# --- the settings form --------------------------------------------------------------------------


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


def parse_id(text: str) -> int | None:
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def settings_from(
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
            elif (value := parse_id(text)) is None:
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


def service_errors(page: Page, problems: list[dict[str, Any]]) -> FieldErrors:
    """The service's or pydantic's problems, each beside its field (English from the service)."""
    shown: FieldErrors = []
    for problem in problems:
        field = str(problem.get("field", "")).split(".")[0]
        shown.append({"field": field, "message": str(problem.get("message", ""))})
    return shown or [{"field": "", "message": page.gettext("This could not be saved.")}]


# --- one evaluation -----------------------------------------------------------------------------


def about_evaluation(session: Session, evaluation: PeerEvaluation) -> dict[str, Any]:
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


def can_manage(session: Session, page: Page, evaluation: PeerEvaluation) -> bool:
    return allows(session, page, PEER_EVALUATION, PeerEvaluationAction.MANAGE, evaluation.id)


def numbers(item: Any) -> dict[str, Decimal]:
    return {model: Decimal(getattr(item, model)) for model in ("webpa", "catme", "gcf")}


def factors(session: Session, evaluation: PeerEvaluation) -> tuple[list[Any], str | None]:
    """Every student's factors and flags; or none and why, when they cannot be computed now
    (the linked assessment's grades no longer compute: 409 from the service)."""
    try:
        return list(reports.factors(session, evaluation).students), None
    except AppError as refused:
        if refused.status != 409:
            raise
        return [], refused.detail
