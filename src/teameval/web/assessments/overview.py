"""``/assessments/{id}``: an assessment's status with the transitions it allows (open, close,
reopen: ``POST .../status``) and its linked teams with their scoring progress, each linking to
the team's score sheet (``.../teams/{team_id}/score``).

Publishing and withdrawing live on the results page, where the grades they concern are shown.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.access import ASSESSMENT, AssessmentAction
from teameval.access.pages import PageAssessmentToManage, PageAssessmentToView, allows
from teameval.assessments.lifecycle import service as assessments
from teameval.assessments.lifecycle.schemas import AssessmentUpdate
from teameval.assessments.lifecycle.transitions import TRANSITIONS
from teameval.assessments.results.compute import compute
from teameval.deps import SessionDep
from teameval.errors import AppError
from teameval.models import AssessmentStatus, Course, Project, ProjectAssessment, Rubric
from teameval.web.assessments.forms import FieldErrors
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import Page, StaffPage

router = APIRouter(include_in_schema=False)

# The transitions this page offers; publishing and withdrawing are on the results page.
STATUS_TARGETS = (AssessmentStatus.OPEN, AssessmentStatus.CLOSED)


def context_of(session: Session, assessment: ProjectAssessment) -> dict[str, Any]:
    """The assessment's project, course and rubric names, in one statement."""
    row = session.execute(
        select(Project.id, Project.title, Course.id, Course.code, Course.name, Rubric.title)
        .join(Course, Course.id == Project.course_id)
        .join(Rubric, Rubric.id == assessment.rubric_id)
        .where(Project.id == assessment.project_id)
    ).one()
    return {
        "project": {"id": row[0], "title": row[1]},
        "course": {"id": row[2], "code": row[3], "name": row[4]},
        "rubric_title": row[5],
    }


def _targets(assessment: ProjectAssessment) -> list[str]:
    current = AssessmentStatus(assessment.status)
    return [target.value for target in TRANSITIONS[current] if target in STATUS_TARGETS]


def _render(
    page: Page,
    session: Session,
    assessment: ProjectAssessment,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    computation = compute(session, assessment)
    criteria = len(computation.criteria)
    teams = [
        {
            "id": team.project_team_id,
            "number": team.team_number,
            "name": team.name,
            "version": team.version,
            "members": [member.name for member in team.members],
            "scored": criteria - len(team.missing_team_scores(computation.criteria)),
            "complete": computation.team_complete(team),
        }
        for team in computation.teams
    ]
    manage = allows(session, page, ASSESSMENT, AssessmentAction.MANAGE, assessment.id)
    return page.render(
        "assessments/overview.html",
        {
            "assessment": assessment,
            **context_of(session, assessment),
            "teams": teams,
            "criteria": criteria,
            "complete_teams": sum(1 for team in teams if team["complete"]),
            "targets": _targets(assessment) if manage else [],
            "manage": manage,
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/assessments/{assessment_id}")
def assessment_overview(
    page: StaffPage, assessment: PageAssessmentToView, session: SessionDep
) -> HTMLResponse:
    return _render(page, session, assessment)


@router.post("/assessments/{assessment_id}/status", dependencies=[CsrfChecked])
def change_status(
    page: StaffPage,
    assessment: PageAssessmentToManage,
    session: SessionDep,
    status: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    if status not in {target.value for target in STATUS_TARGETS}:
        message = page.gettext("Choose open or closed.")
        return _render(page, session, assessment, [{"field": "status", "message": message}], 422)
    if assessment.status == AssessmentStatus.PUBLISHED.value:
        # Closing a published assessment withdraws its grades: that has its own form (a reason).
        message = page.gettext("The grades are published: withdraw them on the results page first.")
        return _render(page, session, assessment, [{"field": "", "message": message}], 409)
    try:
        assessments.update_assessment(
            session,
            page.principal.actor,
            assessment,
            AssessmentUpdate(status=AssessmentStatus(status)),
        )
    except AppError as refused:
        return _render(
            page, session, assessment, [{"field": "", "message": refused.detail}], refused.status
        )
    flash = {
        AssessmentStatus.OPEN.value: page.gettext("The assessment is open for scoring."),
        AssessmentStatus.CLOSED.value: page.gettext("The assessment is closed."),
    }[status]
    return page.redirect(f"/assessments/{assessment.id}", flash=flash)
