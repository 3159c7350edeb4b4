"""Every roster router, for the app factory."""

from __future__ import annotations

from fastapi import APIRouter

from teameval.roster import (
    courses_api,
    export_api,
    groups_api,
    import_api,
    students_api,
    teaching_api,
)


def routers() -> list[APIRouter]:
    # Fixed paths (/admin/students/import, /export.csv) before /admin/students/{student_id}.
    return [
        import_api.router,
        export_api.router,
        students_api.router,
        courses_api.router,
        teaching_api.router,
        groups_api.router,
    ]
