"""Routes that make a whole layout from a source (groups, clone, generate, CSV import)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["project teams"])
