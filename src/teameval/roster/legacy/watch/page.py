"""``GET /legacy-api``: the public page the legacy routes' ``Link: <...>; rel="deprecation"``
names (``settings.legacy_deprecation_url``'s default): what is deprecated since when, when it
stops, and which route replaces each legacy route (the same table the headers use)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from teameval.deps import StateDep
from teameval.roster.legacy.adapter import is_on
from teameval.roster.legacy.watch.deprecation import successor_template
from teameval.roster.legacy.watch.routes import legacy_operations
from teameval.web.pages import PublicPage

PATH = "/legacy-api"
router = APIRouter(include_in_schema=False)


@router.get(PATH)
def deprecation_page(page: PublicPage, state: StateDep, request: Request) -> Response:
    labels = [f"{method} {path}" for method, path in legacy_operations(request.app.routes)]
    return page.render(
        "legacy/deprecation.html",
        {
            "deprecated_at": state.settings.legacy_deprecated_at,
            "sunset_at": state.settings.legacy_sunset_at,
            "legacy_on": is_on(state.settings),
            "routes": [(label, successor_template(label)) for label in labels],
        },
    )
