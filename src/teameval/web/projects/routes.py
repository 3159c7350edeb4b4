"""Projects, their status, and the team builder (layout, sources, locked versions, history)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
