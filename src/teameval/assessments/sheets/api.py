"""Score sheets: the course's teachers and admins read and save one linked team's sheet."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Response

from teameval.access.dependencies import AssessmentToManage, AssessmentToView
from teameval.assessments.sheets import service
from teameval.assessments.sheets.schemas import SheetIn, SheetOut
from teameval.deps import PrincipalDep, SessionDep

router = APIRouter(tags=["assessments"])

SHEET = "/assessments/{assessment_id}/teams/{team_id}/scores"
LinkedTeamId = Annotated[
    int, Path(description="A team version linked to the assessment (its project team id).")
]


@router.get(
    SHEET,
    operation_id="getScoreSheet",
    summary="Read one linked team's score sheet with a preview of its grades.",
    response_model=SheetOut,
)
def get_score_sheet(
    assessment: AssessmentToView, team_id: LinkedTeamId, session: SessionDep, response: Response
) -> SheetOut:
    """The team version's members, the rubric's criteria with their level descriptors, the team
    scores, the overrides with their reasons, the general comment, and what each member would
    get if the assessment were published now; with an ``ETag`` for ``If-Match`` on PUT."""
    sheet = service.get_sheet(session, assessment, team_id)
    response.headers["ETag"] = sheet.etag
    return sheet.body


@router.put(
    SHEET,
    operation_id="saveScoreSheet",
    summary="Replace one linked team's score sheet.",
    response_model=SheetOut,
)
def save_score_sheet(
    assessment: AssessmentToManage,
    team_id: LinkedTeamId,
    body: SheetIn,
    principal: PrincipalDep,
    session: SessionDep,
    response: Response,
    if_match: Annotated[
        str | None,
        Header(description="The sheet's ETag last read; another one answers 412. Optional."),
    ] = None,
) -> SheetOut:
    """The whole sheet: scores and overrides left out are removed, and so is the comment when
    none is sent. Only while the assessment is ``open`` and the team version's link is active
    (409, naming the current version when it was replaced); every bad field is named (422).
    Without ``If-Match`` the save goes through; with one, a save made since answers 412 with
    the current ``etag``."""
    sheet = service.save_sheet(session, principal.actor, assessment, team_id, body, if_match)
    response.headers["ETag"] = sheet.etag
    return sheet.body
