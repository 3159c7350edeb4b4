"""Assessments: list, create, open and close, results overview, publish, withdraw, grades CSV."""

from __future__ import annotations

from fastapi import APIRouter

from teameval.web.assessments import listing, overview, results

router = APIRouter(include_in_schema=False)
# ``listing`` first: ``/assessments/new`` before ``/assessments/{assessment_id}``.
router.include_router(listing.router)
router.include_router(overview.router)
router.include_router(results.router)
