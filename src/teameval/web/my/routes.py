"""A student's own pages: courses, projects and team, published assessments, self-assessment."""

from __future__ import annotations

from fastapi import APIRouter

from teameval.web.my import assessments, courses

router = APIRouter(include_in_schema=False)
router.include_router(courses.router)
router.include_router(assessments.router)
