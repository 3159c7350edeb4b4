"""Project team routes: the current layout, one team, locks and history.

Staff only: the course's teachers and the school's admins (``ProjectToManage``, then
``TeamToManage`` for one team). Students see their own team on ``GET /me/projects``, never a
roster through these routes (403). ``/teams/history`` is declared before ``/teams/{team_id}``,
and the sources' fixed paths are registered before this router (``projects.routes``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from teameval.access.dependencies import ProjectToManage, TeamToManage
from teameval.conditional import set_location
from teameval.deps import PrincipalDep, SessionDep
from teameval.kit.pagination import Page, PageDep
from teameval.projects.teams import reads
from teameval.projects.teams import service as teams
from teameval.projects.teams.schemas import (
    LayoutOut,
    LayoutPut,
    TeamChangeOut,
    TeamCreate,
    TeamHistoryOut,
    TeamMembersSet,
    TeamOut,
    TeamRename,
)

router = APIRouter(tags=["project teams"])

TEAMS = "/projects/{project_id}/teams"
TEAM = TEAMS + "/{team_id}"


@router.get(
    TEAMS,
    operation_id="listProjectTeams",
    summary="List a project's current teams with their members, paged.",
    response_model=Page[TeamOut],
)
def list_teams(project: ProjectToManage, session: SessionDep, page: PageDep) -> Page[TeamOut]:
    """The latest version of each team number, by number; members by name. A page holds up to
    500 teams, as many as a layout may have."""
    return reads.current_page(session, project.id, page)


@router.put(
    TEAMS,
    operation_id="setProjectLayout",
    summary="Replace a project's whole team layout at once.",
    response_model=LayoutOut,
)
def set_layout(
    project: ProjectToManage, body: LayoutPut, principal: PrincipalDep, session: SessionDep
) -> LayoutOut:
    """Atomic: one bad row and nothing is written (422 naming each ``teams[i]`` problem). Teams
    absent from the body are removed; a changed locked team gets a new version."""
    outcome = teams.set_layout(session, principal.actor, project, body)
    return LayoutOut(
        teams=reads.teams_out(session, outcome.teams),
        changes=[
            TeamChangeOut(
                team_number=change.team_number,
                action=change.action,
                team_id=change.team_id,
                new_team_id=change.new_team_id,
                added=list(change.added),
                removed=list(change.removed),
            )
            for change in outcome.changes
        ],
    )


@router.post(
    TEAMS,
    operation_id="createProjectTeam",
    summary="Create a team in a project.",
    status_code=status.HTTP_201_CREATED,
    response_model=TeamOut,
)
def create_team(
    project: ProjectToManage,
    body: TeamCreate,
    principal: PrincipalDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> TeamOut:
    """``team_number`` defaults to the lowest free number (409 when the number is taken)."""
    team = teams.create_team(session, principal.actor, project, body)
    set_location(request, response, "get_team", project_id=project.id, team_id=team.id)
    return reads.one_team(session, team)


@router.get(
    TEAMS + "/history",
    operation_id="getProjectTeamHistory",
    summary="Every version of every team of a project, paged by team number.",
    response_model=Page[TeamHistoryOut],
)
def team_history(
    project: ProjectToManage, session: SessionDep, page: PageDep
) -> Page[TeamHistoryOut]:
    """Each team number with its versions: members, when each was current, what locked it."""
    return reads.history_page(session, project.id, page)


@router.get(
    TEAM,
    operation_id="getProjectTeam",
    summary="Read one team version with its members.",
    response_model=TeamOut,
)
def get_team(project: ProjectToManage, team: TeamToManage, session: SessionDep) -> TeamOut:
    """Any version of the project's teams, current or not."""
    return reads.one_team(session, team)


@router.put(
    TEAM + "/members",
    operation_id="setProjectTeamMembers",
    summary="Set a team's members.",
    response_model=TeamOut,
)
def set_members(
    project: ProjectToManage,
    team: TeamToManage,
    body: TeamMembersSet,
    principal: PrincipalDep,
    session: SessionDep,
) -> TeamOut:
    """An unlocked team changes in place (same id); a locked one gets a new version (new id,
    ``version`` + 1). An old version's id answers 409 naming the current one."""
    changed = teams.set_members(session, principal.actor, project, team, body.member_ids)
    return reads.one_team(session, changed)


@router.patch(
    TEAM,
    operation_id="renameProjectTeam",
    summary="Rename a team.",
    response_model=TeamOut,
)
def rename_team(
    project: ProjectToManage,
    team: TeamToManage,
    body: TeamRename,
    principal: PrincipalDep,
    session: SessionDep,
) -> TeamOut:
    """Same versioning rule as the members: a locked team gets a new version."""
    changed = teams.rename_team(session, principal.actor, project, team, body.name)
    return reads.one_team(session, changed)


@router.delete(
    TEAM,
    operation_id="removeProjectTeam",
    summary="Remove a team from a project.",
    status_code=status.HTTP_204_NO_CONTENT,
)
def remove_team(
    project: ProjectToManage, team: TeamToManage, principal: PrincipalDep, session: SessionDep
) -> None:
    """The team is archived, never deleted: its versions and members stay in the history."""
    teams.remove_team(session, principal.actor, project, team)


@router.post(
    TEAM + "/lock",
    operation_id="lockProjectTeam",
    summary="Lock a team so changes make new versions.",
    response_model=TeamOut,
)
def lock_team(
    project: ProjectToManage, team: TeamToManage, principal: PrincipalDep, session: SessionDep
) -> TeamOut:
    """Locking an already locked team keeps its first lock."""
    locked = teams.lock_team(session, principal.actor, project, team)
    return reads.one_team(session, locked)
