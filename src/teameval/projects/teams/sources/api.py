"""Routes that make a whole layout from a source (groups, clone, generate, CSV import).

Teachers of the project's course and admins. Each replaces the project's layout through the one
team write path (``teams.layout``): teams the source does not name are archived, a changed locked
team gets a new version, and the answer is the layout PUT's ``{teams, changes}`` plus what the
source adds.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from teameval.access.dependencies import ProjectToManage
from teameval.deps import PrincipalDep, SessionDep, StateDep
from teameval.projects.teams.sources import service
from teameval.projects.teams.sources.schemas import (
    CloneIn,
    GeneratedLayoutOut,
    GenerateIn,
    ImportOut,
    SourcedLayoutOut,
)
from teameval.projects.teams.sources.upload import FORM_SCHEMA, TeamUpload, read_team_upload
from teameval.roster.legacy.api import legacy_groups_on

router = APIRouter(prefix="/projects/{project_id}/teams", tags=["project teams"])


@router.post(
    "/from-groups",
    operation_id="copyProjectTeamsFromGroups",
    summary="Replace the project's teams with the course's legacy groups.",
    response_model=SourcedLayoutOut,
    dependencies=[Depends(legacy_groups_on)],
)
def from_groups(
    project: ProjectToManage, principal: PrincipalDep, session: SessionDep
) -> SourcedLayoutOut:
    """One team per legacy group with an active, enrolled student member (number, name, the
    group id as ``team_id``); other members are skipped and listed. 410 when legacy teams are
    off."""
    return service.teams_from_groups(session, principal.actor, project)


@router.post(
    "/clone",
    operation_id="cloneProjectTeams",
    summary="Replace the project's teams with another project's current teams.",
    response_model=SourcedLayoutOut,
)
def clone(
    project: ProjectToManage, body: CloneIn, principal: PrincipalDep, session: SessionDep
) -> SourcedLayoutOut:
    """The source must be a project of the same course (422) that the caller can see (404);
    members no longer actively enrolled are skipped and listed."""
    return service.clone_teams(session, principal, project, body.source_project_id)


@router.post(
    "/generate",
    operation_id="generateProjectTeams",
    summary="Deal the course's students into random balanced teams.",
    response_model=GeneratedLayoutOut,
)
def generate(
    project: ProjectToManage, body: GenerateIn, principal: PrincipalDep, session: SessionDep
) -> GeneratedLayoutOut:
    """ceil(n / team_size) teams whose sizes differ by at most one, reproducible with ``seed``
    (answered, drawn when absent)."""
    return service.generate_teams(
        session, principal.actor, project, body.team_size, body.seed, body.include
    )


@router.post(
    "/import",
    operation_id="importProjectTeams",
    summary="Import the project's teams from a CSV file (preview or commit).",
    response_model=ImportOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": FORM_SCHEMA}},
        }
    },
    responses={
        413: {"description": "The file (or the declared request size) is over the limit."},
        422: {"description": "Invalid form field, unusable file, or line errors on commit."},
    },
)
def import_csv(
    upload: Annotated[TeamUpload, Depends(read_team_upload)],
    principal: PrincipalDep,
    session: SessionDep,
    state: StateDep,
) -> ImportOut:
    """Checks every line and answers the plan (``mode=preview``, nothing written) or applies it
    (``mode=commit``); a commit with any line error writes nothing (422, same report)."""
    return service.import_teams(
        session,
        principal.actor,
        upload.project,
        upload.data,
        state.settings,
        commit=upload.options.mode == "commit",
    )
