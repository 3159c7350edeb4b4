"""Every assessments router, for the app factory."""

from __future__ import annotations

from fastapi import APIRouter

from teameval.assessments.lifecycle import api as lifecycle_api
from teameval.assessments.policies import api as policies_api
from teameval.assessments.results import api as results_api
from teameval.assessments.rubrics import api as rubrics_api
from teameval.assessments.rubrics import import_api
from teameval.assessments.self import api as self_api
from teameval.assessments.sheets import api as sheets_api
from teameval.assessments.students import api as students_api


def routers() -> list[APIRouter]:
    # The fixed path /rubrics/import before /rubrics/{rubric_id}.
    return [
        import_api.router,
        rubrics_api.router,
        policies_api.router,
        sheets_api.router,
        self_api.router,
        students_api.router,
        lifecycle_api.router,
        results_api.router,
    ]
