"""The application factory: settings → engine → routers, error handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from teameval import __version__, schema
from teameval.admission import AdmissionLimit, Gate, ensure_worker_threads
from teameval.assessments.routes import routers as assessments_routers
from teameval.auth.api import router as auth_router
from teameval.auth.instance_key import instance_signing_key
from teameval.config import Settings, get_settings
from teameval.db import POOL_MARGIN, admitted_requests, make_app_engine, make_session_factory
from teameval.deps import AppState
from teameval.health import router as health_router
from teameval.openapi import install_openapi
from teameval.peer.routes import routers as peer_routers
from teameval.problems import install_problem_handlers
from teameval.projects.routes import routers as projects_routers
from teameval.roster.legacy.adapter.mode import with_database_mode
from teameval.roster.legacy.watch import install as install_legacy_watch
from teameval.roster.routes import routers as roster_routers
from teameval.web.routes import install_web

API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    router.include_router(health_router)
    router.include_router(auth_router)
    for domain_router in [
        *roster_routers(),
        *projects_routers(),
        *assessments_routers(),
        *peer_routers(),
    ]:
        router.include_router(domain_router)
    return router


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. Refuses (raises) when the key is unsafe or the schema is behind."""
    settings = settings or get_settings()
    secret_key = settings.configured_secret_key()  # refuses PostgreSQL without one
    engine = make_app_engine(settings)
    schema_head = schema.ensure_up_to_date(engine)  # /health compares against it
    # The legacy mode the database holds (phase 6) overrides TEAMEVAL_LEGACY_GROUPS; read once,
    # so a server applies `teameval legacy mode` when restarted.
    settings = with_database_mode(settings, engine)
    # SQLite without TEAMEVAL_SECRET_KEY: the key generated for (and kept in) this database.
    secret_key = secret_key or instance_signing_key(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        ensure_worker_threads(admitted_requests(settings), POOL_MARGIN)
        yield
        engine.dispose()

    app = FastAPI(
        title="teameval",
        version=__version__,
        summary="Rosters, project teams and rubric assessments for team-project schools.",
        lifespan=lifespan,
    )
    app.state.teameval = AppState(
        settings=settings,
        session_factory=make_session_factory(engine),
        secret_key=secret_key,
    )
    app.state.schema_head = schema_head
    app.state.engine = engine  # disposed by the lifespan, or by whoever built an app to check
    install_problem_handlers(app)
    # Requests beyond db_max_concurrency wait in the event loop, not on a thread or connection.
    app.state.admission = Gate(settings.db_max_concurrency, settings.db_queue_timeout_seconds)
    app.state.login_admission = Gate(
        settings.password_hashing_concurrency, settings.password_hashing_wait_seconds
    )
    app.add_middleware(
        AdmissionLimit, gate=app.state.admission, login_gate=app.state.login_admission
    )
    app.include_router(api_router())
    install_legacy_watch(app)  # shadow access decisions, legacy usage counts (issue 14)
    install_web(app)  # the web UI: every path outside /api/v1 (docs/ui.md)
    install_openapi(app)
    return app
