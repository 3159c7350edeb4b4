"""What ``teameval teams show`` reads: a project found by id within a school (the command line has
no signed-in caller to check), then the core's reads of its current teams or its history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.errors import NotFound
from teameval.kit.inputs import known_id
from teameval.models import Project, ProjectTeam
from teameval.projects.teams import reads


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
    """The current teams (as ``GET /projects/{id}/teams``), or every version grouped by team
    number, each with its members and when it was current."""
    if history:
        return _history(session, project.id)
    return [team.model_dump(mode="json") for team in reads.current_layout(session, project.id)]


def _history(session: Session, project_id: int) -> list[dict[str, Any]]:
    versions = list(
        session.scalars(
            select(ProjectTeam)
            .where(ProjectTeam.project_id == project_id)
            .order_by(ProjectTeam.team_number, ProjectTeam.version)
        )
    )
    members = reads.members_by_team(session, [team.id for team in versions])
    by_number: dict[int, list[dict[str, Any]]] = {}
    for team in versions:
        by_number.setdefault(team.team_number, []).append(
            {
                "id": team.id,
                "version": team.version,
                "name": team.display_name_at_time,
                "members": [member.model_dump() for member in members[team.id]],
                "current_from": team.created_at.isoformat(),
                "current_until": _iso(team.superseded_at or team.archived_at),
                "is_current": team.is_current,
                "locked_at": _iso(team.locked_at),
                "lock_reason": team.lock_reason,
                "archived": team.archived_at is not None,
                "backfill_source": team.backfill_source,
            }
        )
    return [{"team_number": number, "versions": found} for number, found in by_number.items()]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
