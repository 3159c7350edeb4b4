"""The peer evaluation area's routers (a student's pages and a teacher's)."""

from __future__ import annotations

from fastapi import APIRouter

from teameval.web.peer import student, teacher

router = APIRouter(include_in_schema=False)
router.include_router(student.router)
router.include_router(teacher.router)
