"""Scoring an assessment one team at a time, with autosave."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
