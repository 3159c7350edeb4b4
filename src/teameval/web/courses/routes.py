"""Courses: the admin's course management and a teacher's course roster."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
