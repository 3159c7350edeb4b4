"""Watching the legacy model on live traffic (issue 14, docs/migration.md):

- phase 3's shadow comparison: each student course-access point decision also evaluated the
  legacy way (``access.shadow``), disagreements counted per course and day
  (``access_shadow_counts``);
- phases 4-5: every legacy route answers with Deprecation, Sunset and Link headers
  (``deprecation``) and is marked deprecated in the OpenAPI document (``teameval.openapi``);
  its calls, and reads of legacy data by any other route or command, are counted per route,
  school and day (``legacy_usage_counts``);
- ``summary`` (what ``teameval migration status`` and the admin page show), ``cli``
  (``teameval legacy usage``), ``page`` (the public page ``/legacy-api`` the Link header names).

Modules: ``tally`` (the request's observations), ``counts`` (writing them), ``middleware``,
``routes`` (which routes are legacy), ``shadow_switch`` (whether to shadow).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Hook the watch into the app (called once by ``teameval.api.create_app``, after the API
    routers are included)."""
    from starlette.middleware import Middleware

    from teameval.roster.legacy.watch.middleware import LegacyWatch
    from teameval.roster.legacy.watch.page import router as page_router
    from teameval.roster.legacy.watch.shadow_switch import ShadowSwitch

    state = app.state.teameval
    switch = ShadowSwitch(app.state.engine, state.settings)
    # Read the database's mode now, while the app is built, so the first request does not pay
    # for it (and tests that count a request's statements see only the request's own).
    switch.check()
    app.state.legacy_shadow_switch = switch
    app.include_router(page_router)
    # Innermost of the user middleware (add_middleware would put it outermost): inside the
    # admission limit, so the counts' write uses the admitted request's turn and connection.
    app.user_middleware.append(
        Middleware(
            LegacyWatch,
            routes=app.router.routes,
            engine=app.state.engine,
            settings=state.settings,
            switch=switch,
        )
    )
