"""What ``teameval teams show`` reads: a project found by id within a school (the command line has
no signed-in caller to check), then the core's reads of its current teams or its history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.errors import NotFound
from teameval.kit.inputs import known_id
from teameval.models import Project
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
    number (as ``GET /projects/{id}/teams/history``)."""
    if history:
        return [team.model_dump(mode="json") for team in reads.history(session, project.id)]
    return [team.model_dump(mode="json") for team in reads.current_layout(session, project.id)]
