"""Projects, their status, and the team builder (layout, sources, locked versions, history).

One router for the area, made of one module per page or group of forms (``listing``,
``project``, ``builder``, ``team_actions``, ``sources``, ``history``); ``views`` reads what
the pages show, ``moves`` reads the builder's layout form.
"""

from __future__ import annotations

from fastapi import APIRouter

from teameval.web.projects import builder, history, listing, project, sources, team_actions

router = APIRouter(include_in_schema=False)
# The sources' fixed paths (from-groups, clone, generate, layout) before the team id paths.
for module in (listing, project, sources, builder, team_actions, history):
    router.include_router(module.router)
