"""Admin: the school's students (list, a student's page, CSV import with preview, export)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
