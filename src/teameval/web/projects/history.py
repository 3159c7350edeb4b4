"""``/projects/{id}/teams/{team_id}/history``: every version of one team (v1, v2, ...), each with
its members, when it was current, what locked it and when it was superseded. One team has few
versions, so the page is not paged; the statements are constant whatever their number."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from teameval.access.pages import PageProjectToManage, PageTeamToManage
from teameval.deps import SessionDep
from teameval.projects.teams import reads
from teameval.web.pages import StaffPage
from teameval.web.projects import labels

router = APIRouter(include_in_schema=False)


@router.get("/projects/{project_id}/teams/{team_id}/history")
def team_history(
    page: StaffPage, project: PageProjectToManage, team: PageTeamToManage, session: SessionDep
) -> Response:
    found = reads.history(session, project.id, [team.team_number])
    versions = found[0].versions if found else []
    return page.render(
        "projects/history.html",
        {
            "project": project,
            "team": team,
            "versions": list(reversed(versions)),  # newest first
            "lock_reasons": labels.LOCK_REASONS,
        },
    )
