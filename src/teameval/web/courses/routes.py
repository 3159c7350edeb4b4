"""Courses: the admin's course management and a teacher's course roster.

- ``listing``: ``/courses`` (admin: the school's courses and the create form; teacher: "My
  courses");
- ``admin``: a course's settings, status and teachers (admins);
- ``roster``: ``/courses/{id}``, the course page: its students and their teams, enrolling and
  removing students (the course's teachers and admins).
"""

from __future__ import annotations

from fastapi import APIRouter

from teameval.web.courses import admin, listing, roster

router = APIRouter(include_in_schema=False)
router.include_router(listing.router)
router.include_router(roster.router)
router.include_router(admin.router)
