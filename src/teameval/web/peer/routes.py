"""The peer evaluation area's routers: a student's pages, and a teacher's (the list and creating
one, one evaluation's page and team ratings, the fairness preview with its setting and export)."""

from __future__ import annotations

from fastapi import APIRouter

from teameval.web.peer import student, teacher, teacher_list, teacher_preview

router = APIRouter(include_in_schema=False)
router.include_router(student.router)
router.include_router(teacher_list.router)
router.include_router(teacher.router)
router.include_router(teacher_preview.router)
