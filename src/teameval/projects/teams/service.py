"""The team routes' operations: one team at a time, or a whole layout, through ``layout``.

Each operation locks the project first (``layout_checks.lock_project``) and checks what it
needs under that lock: the project is draft or active, the team version named in the path is
still current (else 409 naming the current one), a new team's number is free.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.audit_trail import Actor
from teameval.errors import Conflict
from teameval.models import LockReason, Project, ProjectTeam
from teameval.projects.teams import layout
from teameval.projects.teams.layout import LayoutOutcome, TeamSpec
from teameval.projects.teams.layout_checks import lock_project, require_writable
from teameval.projects.teams.schemas import LayoutPut, TeamCreate


def _open_project(session: Session, project: Project) -> None:
    status, _ = lock_project(session, project.id)
    require_writable(status)


def _require_current(session: Session, team: ProjectTeam) -> None:
    """409 when ``team`` is a superseded or archived version, naming the current version of its
    team number (``current_team_id``, null when the team was removed)."""
    is_current = session.scalar(select(ProjectTeam.is_current).where(ProjectTeam.id == team.id))
    if is_current:
        return
    current_id = session.scalar(
        select(ProjectTeam.id).where(
            ProjectTeam.project_id == team.project_id,
            ProjectTeam.team_number == team.team_number,
            ProjectTeam.is_current,
        )
    )
    if current_id is None:
        raise Conflict(
            f"Project team {team.id} was removed from the project; it can no longer change.",
            current_team_id=None,
        )
    raise Conflict(
        f"Project team {team.id} is an old version of team {team.team_number}; "
        f"the current version is {current_id}.",
        current_team_id=current_id,
    )


def _team_numbered(outcome: LayoutOutcome, number: int) -> ProjectTeam:
    return next(team for team in outcome.teams if team.team_number == number)


def create_team(session: Session, actor: Actor, project: Project, body: TeamCreate) -> ProjectTeam:
    """A new team: ``team_number`` or the lowest free number from 1 (409 when taken)."""
    _open_project(session, project)
    taken = {
        row.team_number: row.id
        for row in session.execute(
            select(ProjectTeam.team_number, ProjectTeam.id).where(
                ProjectTeam.project_id == project.id, ProjectTeam.is_current
            )
        )
    }
    number = body.team_number
    if number is None:
        number = next(n for n in range(1, len(taken) + 2) if n not in taken)
    elif number in taken:
        raise Conflict(
            f"Team number {number} is already used by project team {taken[number]}.",
            current_team_id=taken[number],
        )
    spec = TeamSpec(number, tuple(body.member_ids), body.name)
    outcome = layout.apply_layout(session, actor, project, [spec], replace_all=False)
    return _team_numbered(outcome, number)


def set_members(
    session: Session,
    actor: Actor,
    project: Project,
    team: ProjectTeam,
    member_ids: Sequence[int],
    name: str | None = None,
) -> ProjectTeam:
    """The team's new member list (and name): in place when unlocked, else a new version."""
    _open_project(session, project)
    _require_current(session, team)
    spec = TeamSpec(team.team_number, tuple(member_ids), name)
    outcome = layout.apply_layout(session, actor, project, [spec], replace_all=False)
    return _team_numbered(outcome, team.team_number)


def rename_team(
    session: Session, actor: Actor, project: Project, team: ProjectTeam, name: str
) -> ProjectTeam:
    """A new name, members kept (a locked team gets a new version)."""
    _open_project(session, project)
    _require_current(session, team)
    members = layout.current_member_ids(session, team.id)
    return set_members(session, actor, project, team, members, name)


def set_layout(session: Session, actor: Actor, project: Project, body: LayoutPut) -> LayoutOutcome:
    """The whole layout: teams absent from ``body`` are removed (archived)."""
    specs = [TeamSpec(team.team_number, tuple(team.member_ids), team.name) for team in body.teams]
    return layout.apply_layout(session, actor, project, specs, replace_all=True)


def remove_team(session: Session, actor: Actor, project: Project, team: ProjectTeam) -> None:
    """Archive the team; its rows and members stay as history."""
    _open_project(session, project)
    _require_current(session, team)
    layout.archive_teams(session, actor, project, [team.team_number])


def lock_team(session: Session, actor: Actor, project: Project, team: ProjectTeam) -> ProjectTeam:
    """Lock the current version by hand (a locked one keeps its first lock)."""
    _open_project(session, project)
    _require_current(session, team)
    return layout.lock_teams(session, actor, [team], LockReason.TEACHER)[0]
