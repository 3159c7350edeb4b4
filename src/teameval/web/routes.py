"""Every router of the web UI, and where the app mounts them (``install_web``)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from teameval.web.account.routes import router as account_router
from teameval.web.assessments.routes import router as assessments_router
from teameval.web.courses.routes import router as courses_router
from teameval.web.home.routes import router as home_router
from teameval.web.migration.routes import router as migration_router
from teameval.web.my.routes import router as my_router
from teameval.web.peer.routes import router as peer_router
from teameval.web.projects.routes import router as projects_router
from teameval.web.rubrics.routes import router as rubrics_router
from teameval.web.scoring.routes import router as scoring_router
from teameval.web.students.routes import router as students_router

STATIC_DIR = Path(__file__).parent / "static"


def routers() -> list[APIRouter]:
    # One line per area of the UI.
    return [
        account_router,
        home_router,
        students_router,
        courses_router,
        migration_router,
        projects_router,
        rubrics_router,
        scoring_router,
        assessments_router,
        my_router,
        peer_router,
    ]


def install_web(app: FastAPI) -> None:
    for router in routers():
        app.include_router(router)
    # htmx, the stylesheet and the script are files of the package: no CDN, works offline.
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
