"""Scoring an assessment one team at a time: each criterion a radio group of its levels, the
team comment, per-student overrides; saved whole through the sheet service with the revision
the page showed, so a save made meanwhile by someone else is refused (never overwritten).

Without JavaScript "Save" and "Save and next" post the form and redirect. With HTMX the form
also saves itself on every change and answers a small status fragment carrying the new
revision (swapped out of band into the form's hidden field).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from teameval.access.pages import PageAssessmentToManage, PageAssessmentToView
from teameval.assessments import links
from teameval.assessments.sheets import reads
from teameval.assessments.sheets import service as sheets
from teameval.deps import SessionDep
from teameval.errors import Conflict, InvalidInput, PreconditionFailed
from teameval.models import ProjectAssessment
from teameval.models.base import utcnow
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import Page, StaffPage
from teameval.web.scoring import forms, view
from teameval.web.scoring.forms import ScoreForm

router = APIRouter(include_in_schema=False)

PATH = "/assessments/{assessment_id}/teams/{team_id}/score"


@router.get(PATH)
def score_page(
    assessment: PageAssessmentToView, team_id: int, page: StaffPage, session: SessionDep
) -> HTMLResponse:
    sheet = sheets.get_sheet(session, assessment, team_id)
    return _render(page, session, assessment, team_id, forms.form_of_sheet(sheet.body), sheet=sheet)


def _render(
    page: Page,
    session: SessionDep,
    assessment: ProjectAssessment,
    team_id: int,
    form: ScoreForm,
    status_code: int = 200,
    conflict: str | None = None,
    refused: str | None = None,
    sheet: Any = None,
) -> HTMLResponse:
    """The page: the stored sheet's team, criteria and members, with ``form``'s values
    (``sheet``: the stored sheet when the caller has just read it; read here otherwise)."""
    sheet = sheet or sheets.get_sheet(session, assessment, team_id)
    context: dict[str, Any] = view.page_context(session, assessment, sheet.body, page.language)
    # refused: the service refused the sheet's state (closed or replaced meanwhile)
    context.update(form=form, problems=_problems(page, form), conflict=conflict, refused=refused)
    return page.render("scoring/score.html", context, status_code=status_code)


def _problems(page: Page, form: ScoreForm) -> list[dict[str, str]]:
    return [{"field": "", "message": page.gettext(m)} for m in form.errors.values()] + [
        {"field": "", "message": m} for m in form.general
    ]


def _status(page: Page, state: str, message: str, **extra: Any) -> HTMLResponse:
    """The HTMX answer: the status line (announced), 200 even when the save failed, since
    htmx 2 swaps nothing for a 4xx."""
    return page.render(
        "scoring/_status.html",
        {"state": state, "message": message, "revision": None, "reload": None, **extra},
    )


@router.post(PATH, dependencies=[CsrfChecked])
async def save_scores(
    assessment: PageAssessmentToManage,
    team_id: int,
    page: StaffPage,
    session: SessionDep,
    request: Request,
) -> Response:
    found = reads.linked_team(session, assessment, team_id)  # 404 for a team not linked
    rubric = reads.rubric_view(session, assessment.rubric_id)
    members = reads.members_of(session, found.team.id)
    posted = await request.form()
    form = forms.read_form(
        posted, [c.id for c in rubric.criteria], [member.id for member in members]
    )
    built = forms.sheet_body(form, (rubric.rubric.scale_min, rubric.rubric.scale_max))
    revision = forms.revision_of(form)
    status_code, conflict, refused = 422, None, None
    if built.body is not None:
        if_match = reads.sheet_etag(assessment.id, team_id, -1 if revision is None else revision)
        try:
            with session.begin_nested():
                saved = sheets.save_sheet(
                    session, page.principal.actor, assessment, team_id, built.body, if_match
                )
        except InvalidInput as invalid:
            forms.place_service_errors(form, built, invalid.extensions.get("errors") or [])
        except PreconditionFailed:
            status_code = 409
            link = reads.linked_team(session, assessment, team_id).link
            conflict = page.gettext(
                "Someone else saved this team at %(time)s; reload to see their scores."
            ) % {"time": view.clock_time(link.updated_at, page.language)}
        except Conflict:
            status_code = 409
            refused = page.gettext("Not saved: this sheet can no longer be changed.")
        else:
            return _saved(page, session, assessment, team_id, saved.body.sheet_version, posted)
    if page.is_htmx:
        return _not_saved(page, form, conflict or refused, team_id, assessment)
    return _render(page, session, assessment, team_id, form, status_code, conflict, refused)


def _saved(
    page: Page,
    session: SessionDep,
    assessment: ProjectAssessment,
    team_id: int,
    revision: int,
    posted: Any,
) -> Response:
    if page.is_htmx:
        time = view.clock_time(utcnow(), page.language)
        return _status(
            page,
            "saved",
            page.gettext("Saved at %(time)s") % {"time": time},
            announce=page.gettext("Saved"),
            revision=revision,
        )
    target = team_id
    if posted.get("action") == "next":
        following = view.position(links.active_linked_teams(session, assessment.id), team_id).next
        target = following.id if following else team_id
    return page.redirect(
        view.score_path(assessment.id, target), flash=page.gettext("Scores saved.")
    )


def _not_saved(
    page: Page,
    form: ScoreForm,
    refusal: str | None,
    team_id: int,
    assessment: ProjectAssessment,
) -> HTMLResponse:
    if refusal:
        return _status(
            page,
            "conflict",
            refusal,
            announce=refusal,
            reload=view.score_path(assessment.id, team_id),
        )
    problems = [p["message"] for p in _problems(page, form)]
    message = page.gettext("Not saved: %(problem)s") % {"problem": " ".join(problems)}
    return _status(page, "error", message, announce=message)
