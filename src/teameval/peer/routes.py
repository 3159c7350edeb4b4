"""Every peer evaluation router, for the app factory (issue 13)."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    return []
