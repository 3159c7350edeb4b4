"""The peer evaluation area's routers (a student's pages and a teacher's)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
