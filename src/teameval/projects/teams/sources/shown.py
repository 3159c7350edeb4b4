"""What ``teameval teams show`` reads: a project found by id within a school (the command line has
no signed-in caller to check), its current teams, and every version with when it was current."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.errors import NotFound
from teameval.kit.inputs import known_id
from teameval.models import Project, ProjectTeam
from teameval.projects.teams.sources.team_bodies import team_bodies


def project_of_school(session: Session, school_id: int, project_id: int) -> Project:
    missing = f"Project {project_id} does not exist in this school."
    known_id(project_id, missing)
    project = session.scalar(
        select(Project).where(Project.id == project_id, Project.school_id == school_id)
    )
    if project is None:
        raise NotFound(missing)
    return project


def shown_teams(session: Session, project: Project, *, history: bool) -> list[dict[str, Any]]:
    """The current teams, or (``history``) every version by number and version, each with its
    members and when it was current, locked, superseded or archived."""
    query = select(ProjectTeam).where(ProjectTeam.project_id == project.id)
    if not history:
        query = query.where(ProjectTeam.is_current.is_(True))
    teams = list(session.scalars(query.order_by(ProjectTeam.team_number, ProjectTeam.version)))
    bodies = {body.id: body for body in team_bodies(session, teams)}
    shown = []
    for team in teams:
        body: dict[str, Any] = bodies[team.id].model_dump()
        body["backfill_source"] = team.backfill_source
        body["team_id"] = team.team_id
        if history:
            body.update(
                current=team.is_current,
                created_at=team.created_at,
                locked_at=team.locked_at,
                lock_reason=team.lock_reason,
                superseded_at=team.superseded_at,
                archived_at=team.archived_at,
            )
        shown.append(body)
    return shown
