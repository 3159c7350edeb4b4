"""Admin: the migration's status (phase 1 audit figures and the backfill's dry-run plan)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
