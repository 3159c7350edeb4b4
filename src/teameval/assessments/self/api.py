"""Self-assessment routes: a student's own (``/me/...``) and the teacher's side-by-side view."""

from __future__ import annotations

from fastapi import APIRouter

from teameval.access.dependencies import AssessmentToView
from teameval.assessments.self import service
from teameval.assessments.self.schemas import SelfAssessmentIn, SelfAssessmentOut, SideBySideOut
from teameval.assessments.sheets.api import LinkedTeamId
from teameval.assessments.students.caller import MyAssessmentId
from teameval.deps import PrincipalDep, SessionDep

router = APIRouter(tags=["assessments"])

MINE = "/me/assessments/{assessment_id}/self"


@router.get(
    MINE,
    operation_id="getMySelfAssessment",
    summary="Read the caller's self-assessment of their team.",
    response_model=SelfAssessmentOut,
)
def get_my_self_assessment(
    assessment_id: MyAssessmentId, principal: PrincipalDep, session: SessionDep
) -> SelfAssessmentOut:
    """A member of a team version linked to the assessment (open, closed or published); 404 for
    any other assessment, a draft included. ``editable`` is true while it is open."""
    return service.my_self_assessment(session, principal, assessment_id)


@router.put(
    MINE,
    operation_id="saveMySelfAssessment",
    summary="Replace the caller's self-assessment of their team.",
    response_model=SelfAssessmentOut,
)
def save_my_self_assessment(
    assessment_id: MyAssessmentId,
    body: SelfAssessmentIn,
    principal: PrincipalDep,
    session: SessionDep,
) -> SelfAssessmentOut:
    """Every criterion scored (criteria left out are removed), each with an optional comment;
    only while the assessment is open (409), 404 when the caller is not in a linked team. It
    never feeds a grade."""
    return service.save_self_assessment(session, principal, principal.actor, assessment_id, body)


@router.get(
    "/assessments/{assessment_id}/teams/{team_id}/self",
    operation_id="getTeamSelfAssessments",
    summary="Compare a linked team's self-assessments with its sheet.",
    response_model=SideBySideOut,
)
def get_team_self_assessments(
    assessment: AssessmentToView, team_id: LinkedTeamId, session: SessionDep
) -> SideBySideOut:
    """Per member: their own score and comment for each criterion beside the sheet's score for
    them (their override, else the team score)."""
    return service.side_by_side(session, assessment, team_id)
