"""Every router of the web UI, and where the app mounts them (``install_web``)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from teameval.web.account.routes import router as account_router
from teameval.web.home.routes import router as home_router

STATIC_DIR = Path(__file__).parent / "static"


def routers() -> list[APIRouter]:
    # One line per area of the UI.
    return [
        account_router,
        home_router,
    ]


def install_web(app: FastAPI) -> None:
    for router in routers():
        app.include_router(router)
    # htmx, the stylesheet and the script are files of the package: no CDN, works offline.
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
