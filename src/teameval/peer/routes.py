"""Every peer evaluation router, for the app factory (issue 13)."""

from __future__ import annotations

from fastapi import APIRouter

from teameval.peer import api, me_api


def routers() -> list[APIRouter]:
    return [api.router, me_api.router]
