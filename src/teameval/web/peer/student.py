"""A student's peer evaluations: their list (``/my/peer-evaluations``), the step-by-step form
(``/my/peer-evaluations/{id}?step=k``: themselves first with ``include_self``, then each
teammate, then a review step that submits) and, once published, their feedback.

Everything goes through ``teameval.peer.ratings`` and ``.feedback``, which answer only the
caller's own rows: an evaluation that is a draft, of another team or another school is a 404
like an id that does not exist. The service saves a rater's whole form at once, so a step's
post merges that step's answers into the ratings saved before and saves them all (a draft
until submitted).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from teameval.deps import SessionDep
from teameval.errors import AppError, InvalidInput, NotFound
from teameval.kit.pagination import PageRequest
from teameval.models import PeerStatus
from teameval.peer import ratings as service
from teameval.peer.feedback import feedback as my_feedback
from teameval.peer.schemas import COMMENT_MAX, MyPeerFormOut, RatingsPut
from teameval.web.assessments.forms import FieldErrors, FormDep, body_or_errors, text_of
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import Page, StudentPage
from teameval.web.peer.labels import labels

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
MAX_ID = 2**31 - 1
ACTIONS = ("previous", "save", "next", "submit")


@router.get("/my/peer-evaluations")
def my_peer_evaluations(
    page: StudentPage,
    session: SessionDep,
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    found = service.my_evaluations(
        session, page.principal, PageRequest(page=page_number, page_size=PAGE_SIZE)
    )
    pages = max(1, -(-found.total // PAGE_SIZE))
    return page.render(
        "peer/my_list.html",
        {
            "items": found.items,
            "paging": {"page": page_number, "pages": pages, "total": found.total},
            "labels": labels(),
        },
    )


def _form(session: Session, page: Page, evaluation_id: int) -> MyPeerFormOut:
    if not 1 <= evaluation_id <= MAX_ID:
        raise service.no_such_evaluation(evaluation_id)
    return service.my_form(session, page.principal, evaluation_id)


def _saved(form: MyPeerFormOut) -> dict[tuple[int, int], tuple[int, str | None]]:
    return {(r.ratee_id, r.criterion_id): (r.score, r.comment) for r in form.ratings}


def _steps(form: MyPeerFormOut) -> list[dict[str, Any]]:
    """One step per ratee (the caller first with ``include_self``): how far each is rated."""
    saved = _saved(form)
    criteria = [criterion.id for criterion in form.criteria]
    return [
        {
            "number": index + 1,
            "member": member,
            "rated": sum(1 for c in criteria if (member.id, c) in saved),
            "criteria": len(criteria),
        }
        for index, member in enumerate(form.members)
    ]


def _render_form(
    page: Page,
    form: MyPeerFormOut,
    step: int,
    *,
    chosen: dict[int, str] | None = None,
    comments: dict[int, str] | None = None,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    steps = _steps(form)
    review = len(steps) + 1
    step = min(max(step, 1), review)
    saved = _saved(form)
    context: dict[str, Any] = {
        "form": form,
        "steps": steps,
        "step": step,
        "review_step": review,
        "saved": saved,
        "levels": list(range(form.scale_min, form.scale_max + 1)),
        "errors": errors or [],
        "error_of": {item["field"]: item["message"] for item in errors or []},
        "labels": labels(),
        "comment_max": COMMENT_MAX,
    }
    if step < review:
        ratee = steps[step - 1]["member"]
        context["ratee"] = ratee
        context["chosen"] = (
            chosen
            if chosen is not None
            else {
                c.id: str(saved[(ratee.id, c.id)][0])
                for c in form.criteria
                if (ratee.id, c.id) in saved
            }
        )
        context["comments"] = (
            comments
            if comments is not None
            else {
                c.id: saved[(ratee.id, c.id)][1] or ""
                for c in form.criteria
                if (ratee.id, c.id) in saved
            }
        )
    return page.render("peer/my_form.html", context, status_code=status_code)


@router.get("/my/peer-evaluations/{evaluation_id}")
def my_peer_evaluation(
    page: StudentPage,
    evaluation_id: int,
    session: SessionDep,
    step: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    form = _form(session, page, evaluation_id)
    if form.status == PeerStatus.PUBLISHED:
        feedback = my_feedback(session, page.principal, evaluation_id)
        result = feedback.result
        return page.render(
            "peer/my_feedback.html",
            {
                "form": form,
                "feedback": feedback,
                "means": {
                    item.criterion_id: Decimal(item.peer_mean)
                    for item in feedback.criteria
                    if item.peer_mean is not None
                },
                "result": None
                if result is None or result.grade is None
                else {
                    "base_grade": _decimal(result.base_grade),
                    "factor": Decimal(result.factor),
                    "grade": Decimal(result.grade),
                },
                "labels": labels(),
            },
        )
    if not form.editable:
        return page.render(
            "peer/my_closed.html",
            {"form": form, "saved": _saved(form), "labels": labels(), "errors": []},
        )
    return _render_form(page, form, step)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _whole(text: str) -> int | None:
    text = text.strip()
    if not text.lstrip("-").isdigit() or len(text) > 11:
        return None
    return int(text)


@router.post("/my/peer-evaluations/{evaluation_id}/ratings", dependencies=[CsrfChecked])
def save_my_ratings(
    page: StudentPage, evaluation_id: int, session: SessionDep, form_data: FormDep
) -> Response:
    form = _form(session, page, evaluation_id)
    steps = _steps(form)
    review = len(steps) + 1
    step = _whole(text_of(form_data, "step")) or 1
    step = min(max(step, 1), review)
    action = text_of(form_data, "action")
    if action not in ACTIONS:
        action = "save"
    if not form.editable:
        message = page.gettext(
            "This peer evaluation takes no ratings now; your answers were not saved."
        )
        return _closed_answer(page, form, message)
    ratings = _saved(form)
    chosen: dict[int, str] | None = None
    comments: dict[int, str] | None = None
    errors: FieldErrors = []
    if step < review:
        ratee = steps[step - 1]["member"]
        chosen = {c.id: text_of(form_data, f"score-{c.id}") for c in form.criteria}
        comments = {c.id: text_of(form_data, f"comment-{c.id}") for c in form.criteria}
        for criterion in form.criteria:
            key = (ratee.id, criterion.id)
            text = chosen[criterion.id]
            comment = comments[criterion.id].strip() or None
            if not text:
                ratings.pop(key, None)  # not answered: left out of the draft
                continue
            value = _whole(text)
            if value is None or not form.scale_min <= value <= form.scale_max:
                message = page.gettext("Choose one of the levels.")
                errors.append({"field": f"score-{criterion.id}", "message": message})
                continue
            if comment is not None and len(comment) > COMMENT_MAX:
                message = page.gettext(
                    "Write the comment in at most %(count)s characters, as plain text."
                ) % {"count": COMMENT_MAX}
                errors.append({"field": f"comment-{criterion.id}", "message": message})
                continue
            ratings[key] = (value, comment)
    if errors:
        return _render_form(
            page, form, step, chosen=chosen, comments=comments, errors=errors, status_code=422
        )
    items = [
        {"ratee_id": ratee_id, "criterion_id": criterion_id, "score": score, "comment": comment}
        for (ratee_id, criterion_id), (score, comment) in sorted(ratings.items())
    ]
    body, _problems = body_or_errors(RatingsPut, {"ratings": items, "submit": action == "submit"})
    if body is None:
        errors = [{"field": "", "message": page.gettext("Some ratings are not valid.")}]
        return _render_form(
            page, form, step, chosen=chosen, comments=comments, errors=errors, status_code=422
        )
    try:
        service.save_ratings(session, page.principal, page.principal.actor, evaluation_id, body)
    except InvalidInput as invalid:
        errors = _incomplete(page, form, invalid)
        return _render_form(
            page, form, step, chosen=chosen, comments=comments, errors=errors, status_code=422
        )
    except NotFound:
        raise
    except AppError:  # closed or out of its window since the page was read (409)
        message = page.gettext(
            "This peer evaluation takes no ratings now; your answers were not saved."
        )
        return _closed_answer(page, _form(session, page, evaluation_id), message)
    url = f"/my/peer-evaluations/{evaluation_id}"
    if action == "submit":
        return page.redirect(url, flash=page.gettext("Your ratings are submitted."))
    target = {"previous": step - 1, "next": step + 1}.get(action, step)
    target = min(max(target, 1), review)
    return page.redirect(f"{url}?step={target}", flash=page.gettext("Your ratings are saved."))


def _incomplete(page: Page, form: MyPeerFormOut, invalid: InvalidInput) -> FieldErrors:
    """A submitted form rates everyone on every criterion: name whom it still misses."""
    missing = invalid.extensions.get("missing") or []
    if not missing:
        return [{"field": "", "message": page.gettext("Some ratings are not valid.")}]
    criteria = {criterion.id: criterion.name for criterion in form.criteria}
    by_ratee: dict[int, list[str]] = {}
    for item in missing:
        by_ratee.setdefault(item.get("ratee_id"), []).append(
            criteria.get(item.get("criterion_id"), "")
        )
    errors: FieldErrors = []
    for member in form.members:
        if member.id in by_ratee:
            message = page.gettext("Not rated yet: %(name)s on %(criteria)s.") % {
                "name": member.name,
                "criteria": ", ".join(by_ratee[member.id]),
            }
            errors.append({"field": "", "message": message})
    return errors


def _closed_answer(page: Page, form: MyPeerFormOut, message: str) -> HTMLResponse:
    return page.render(
        "peer/my_closed.html",
        {
            "form": form,
            "saved": _saved(form),
            "labels": labels(),
            "errors": [{"field": "", "message": message}],
        },
        status_code=409,
    )
