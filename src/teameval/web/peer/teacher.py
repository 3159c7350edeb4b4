"""A teacher's (of the project's course) and an admin's page of one peer evaluation.

- ``/peer-evaluations/{id}``: settings, status changes (``POST .../status``: open, close, reopen,
  publish), who submitted per team, every student's factors and flags;
- ``/peer-evaluations/{id}/teams/{team_id}``: one team version's ratings, rater by ratee, with
  the comments the teacher may hide from the ratee (``POST .../ratings/{id}/comment``).

The list and creating one are in ``teacher_list``; the fairness preview, the correction setting
and the CSV export in ``teacher_preview``. Pages call the services the API calls
(``teameval.peer.evaluations`` and ``.reports``); the ids in the path are resolved by
``access.pages`` (another school's id: 404; a teacher not of the course: 403).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from teameval.access.pages import PagePeerEvaluationToManage, PagePeerEvaluationToView
from teameval.assessments.grading import decimal_text
from teameval.deps import SessionDep
from teameval.errors import AppError, NotFound
from teameval.models import PeerEvaluation, PeerStatus
from teameval.peer import evaluations, reports
from teameval.peer.schemas import PeerEvaluationUpdate
from teameval.peer.transitions import TRANSITIONS
from teameval.web.assessments.forms import FieldErrors
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import Page, StaffPage
from teameval.web.peer.labels import labels
from teameval.web.peer.teacher_common import (
    MAX_ID,
    about_evaluation,
    can_manage,
    factors,
    numbers,
    parse_id,
)
from teameval.web.peer.teacher_preview import render_preview

router = APIRouter(include_in_schema=False)

STATUS_TARGETS = ("open", "closed", "published")


def _targets(evaluation: PeerEvaluation) -> list[str]:
    current = PeerStatus(evaluation.status)
    return [target.value for target in TRANSITIONS[current]]


def _render_overview(
    page: Page,
    session: Session,
    evaluation: PeerEvaluation,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    manage = can_manage(session, page, evaluation)
    progress = reports.progress(session, evaluation)
    students, problem = factors(session, evaluation)
    return page.render(
        "peer/evaluation.html",
        {
            "evaluation": evaluation,
            **about_evaluation(session, evaluation),
            "progress": progress,
            "team_names": {team.project_team_id: team.name for team in progress.teams},
            "factors": students,
            "factor_numbers": {item.student_id: numbers(item) for item in students},
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
            return render_preview(page, session, evaluation, errors, refused.status)
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
            "manage": can_manage(session, page, evaluation),
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
    team = parse_id(team_id)
    url = f"/peer-evaluations/{evaluation.id}" + (f"/teams/{team}" if team else "")
    flash = (
        page.gettext("The comment is hidden from the student.")
        if hidden == "1"
        else page.gettext("The comment is shown to the student again.")
    )
    return page.redirect(url, flash=flash)
