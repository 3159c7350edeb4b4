"""Admin: the school's students (list, a student's page, CSV import with preview, export).

The fixed paths (``/students/import``, ``/students/export``) are included before
``/students/{student_id}``, which would otherwise take them for an id.
"""

from __future__ import annotations

from fastapi import APIRouter

from teameval.web.students import importing, listing, profile

router = APIRouter(include_in_schema=False)
router.include_router(listing.router)
router.include_router(importing.router)
router.include_router(profile.router)
