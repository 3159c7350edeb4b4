"""A student's assessments: their published grades (``/my/assessments``), one grade with how it
was computed (``/my/assessments/{id}``), and their self-assessment while an assessment is open
(``POST /my/assessments/{id}/self``).

Every read goes through the student services, which answer only the caller's own rows: an
assessment that is neither published with a result of theirs nor open for their team is a 404,
exactly like an id that does not exist (invariant 9: nothing leaks that it exists).
"""

from __future__ import annotations

from contextlib import suppress
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from teameval.assessments.self import service as self_service
from teameval.assessments.self.listing import my_open_self_assessments
from teameval.assessments.self.schemas import SelfAssessmentIn, SelfAssessmentOut
from teameval.assessments.sheets.schemas import MAX_COMMENT_LENGTH
from teameval.assessments.students import service as students
from teameval.assessments.students.caller import MyAssessmentId
from teameval.assessments.students.schemas import MyResultOut
from teameval.deps import SessionDep
from teameval.errors import AppError, InvalidInput, NotFound
from teameval.kit.pagination import PageRequest
from teameval.web.assessments.forms import (
    FieldErrors,
    FormDep,
    body_or_errors,
    text_of,
    whole_number,
)
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import Page, StudentPage

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50


@router.get("/my/assessments")
def my_assessments(
    page: StudentPage,
    session: SessionDep,
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    principal = page.principal
    published = students.my_assessments(
        session, principal, PageRequest(page=page_number, page_size=PAGE_SIZE)
    )
    pages = max(1, -(-published.total // PAGE_SIZE))
    return page.render(
        "my/assessments.html",
        {
            "published": published.items,
            "grades": {item.id: Decimal(item.grade) for item in published.items},
            "paging": {"page": page_number, "pages": pages, "total": published.total},
            "open": my_open_self_assessments(session, principal) if page_number == 1 else [],
        },
    )


def _found(
    session: Session, page: Page, assessment_id: int
) -> tuple[MyResultOut | None, SelfAssessmentOut | None]:
    """The caller's published result and self-assessment of the assessment; 404 unless it is
    published with a result of theirs or open for their team."""
    principal = page.principal
    result = None
    own = None
    with suppress(NotFound):
        result = students.my_result(session, principal, assessment_id)
    with suppress(NotFound):
        own = self_service.my_self_assessment(session, principal, assessment_id)
    if result is None and (own is None or not own.editable):
        raise NotFound(f"Assessment {assessment_id} does not exist.")
    return result, own


def _decimal(text: str | None) -> Decimal | str | None:
    """An exact value for ``|grade`` when it is a decimal (``"3.5"``); a fraction stays text."""
    if text is None or "/" in text:
        return text
    try:
        return Decimal(text)
    except ArithmeticError:
        return text


def _render(
    page: Page,
    result: MyResultOut | None,
    own: SelfAssessmentOut | None,
    chosen: dict[int, str] | None = None,
    comments: dict[int, str] | None = None,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {"result": result, "own": own, "errors": errors or []}
    if result is not None:
        explanation = result.explanation
        context["numbers"] = {
            "grade": Decimal(result.grade),
            "weighted": _decimal(explanation.weighted_score),
            "exact": _decimal(explanation.exact_grade),
            "pass_level": _decimal(explanation.pass_level),
            "pass_grade": _decimal(explanation.policy.get("pass_grade")),
            "min_grade": _decimal(explanation.policy.get("min_grade")),
            "max_grade": _decimal(explanation.policy.get("max_grade")),
            "weights": {score.criterion_id: Decimal(score.weight) for score in result.scores},
        }
    if own is not None:
        stored = {score.criterion_id: score for score in own.scores}
        context["chosen"] = (
            chosen
            if chosen is not None
            else {key: str(score.score) for key, score in stored.items()}
        )
        context["comments"] = (
            comments
            if comments is not None
            else {key: score.comment or "" for key, score in stored.items()}
        )
        context["error_of"] = {item["field"]: item["message"] for item in errors or []}
        context["levels"] = list(range(own.scale_min, own.scale_max + 1))
    return page.render("my/assessment.html", context, status_code=status_code)


@router.get("/my/assessments/{assessment_id}")
def my_assessment(
    page: StudentPage, assessment_id: MyAssessmentId, session: SessionDep
) -> HTMLResponse:
    result, own = _found(session, page, assessment_id)
    return _render(page, result, own)


@router.post("/my/assessments/{assessment_id}/self", dependencies=[CsrfChecked])
def save_self_assessment(
    page: StudentPage, assessment_id: MyAssessmentId, session: SessionDep, form: FormDep
) -> Response:
    result, own = _found(session, page, assessment_id)
    assert own is not None  # _found answers 404 otherwise
    chosen = {c.id: text_of(form, f"score-{c.id}") for c in own.criteria}
    comments = {c.id: text_of(form, f"comment-{c.id}") for c in own.criteria}
    errors: FieldErrors = []
    scores = []
    for criterion in own.criteria:
        text = chosen[criterion.id]
        if not text:
            continue  # not answered: left out (a self-assessment may be saved part-way)
        value = whole_number(text)
        if value is None or not own.scale_min <= value <= own.scale_max:
            message = page.gettext("Choose one of the levels.")
            errors.append({"field": f"score-{criterion.id}", "message": message})
            continue
        comment = comments[criterion.id].strip() or None
        scores.append({"criterion_id": criterion.id, "score": value, "comment": comment})
    body = None
    if not errors:
        body, problems = body_or_errors(SelfAssessmentIn, {"scores": scores})
        errors = [_field_of(page, problem, scores) for problem in problems]
    if body is None or errors:
        return _render(page, result, own, chosen, comments, errors, 422)
    try:
        self_service.save_self_assessment(
            session, page.principal, page.principal.actor, assessment_id, body
        )
    except InvalidInput as invalid:
        errors = [_field_of(page, item, scores) for item in invalid.extensions.get("errors", [])]
        return _render(page, result, own, chosen, comments, errors, 422)
    except AppError as refused:
        if isinstance(refused, NotFound):
            raise  # no longer open (409)
        message = page.gettext("The self-assessment is closed; your answers were not saved.")
        return _render(
            page, result, own, chosen, comments, [{"field": "", "message": message}], refused.status
        )
    return page.redirect(
        f"/my/assessments/{assessment_id}", flash=page.gettext("Your self-assessment is saved.")
    )


def _field_of(page: Page, problem: dict[str, str], scores: list[dict[str, Any]]) -> dict[str, str]:
    """A problem the service names as ``scores.2.comment`` put next to that criterion's field."""
    parts = problem.get("field", "").split(".")
    if len(parts) >= 3 and parts[0] == "scores" and parts[1].isdigit():
        index = int(parts[1])
        if index < len(scores):
            criterion_id = scores[index]["criterion_id"]
            name = "comment" if parts[2] == "comment" else "score"
            message = (
                page.gettext("Write the comment in at most %(count)s characters, as plain text.")
                % {"count": MAX_COMMENT_LENGTH}
                if name == "comment"
                else page.gettext("Choose one of the levels.")
            )
            return {"field": f"{name}-{criterion_id}", "message": message}
    return {"field": "", "message": problem.get("message", "")}
