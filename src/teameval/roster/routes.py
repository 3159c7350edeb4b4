"""Every roster router, for the app factory."""

from __future__ import annotations

from fastapi import APIRouter

from teameval.roster.courses import api as courses_api
from teameval.roster.csv import api as csv_api
from teameval.roster.legacy import api as legacy_api
from teameval.roster.students import api as students_api
from teameval.roster.teaching import api as teaching_api


def routers() -> list[APIRouter]:
    # Fixed paths (/admin/students/import, /export.csv) before /admin/students/{student_id}.
    return [
        csv_api.router,
        students_api.router,
        courses_api.router,
        teaching_api.router,
        legacy_api.router,
    ]
