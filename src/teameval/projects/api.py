"""Projects: teachers of the course and admins manage them; enrolled students see some."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["projects"])
