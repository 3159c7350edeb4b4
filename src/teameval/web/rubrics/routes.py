"""Rubrics: list, create with criteria, weights and level descriptors, copy."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
