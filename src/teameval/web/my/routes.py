"""A student's own pages: courses, projects and team, published assessments, self-assessment."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
