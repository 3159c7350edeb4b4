"""Project team routes: the current layout, one team, locks and history."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["project teams"])
