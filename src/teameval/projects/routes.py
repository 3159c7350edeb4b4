"""Every projects router, for the app factory."""

from __future__ import annotations

from fastapi import APIRouter

from teameval.projects import api as projects_api
from teameval.projects.teams import api as teams_api
from teameval.projects.teams.sources import api as sources_api


def routers() -> list[APIRouter]:
    # The sources' fixed paths (/teams/from-groups, /teams/import, …) before /teams/{team_id}.
    return [projects_api.router, sources_api.router, teams_api.router]
