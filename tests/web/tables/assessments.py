"""Pages of the assessments area for the page matrix (tests/web/pages_table.py)."""

from __future__ import annotations

from tests.web.pages_table import EXEMPT, STAFF, TEACHES, Page

PAGES: list[Page] = [
    Page("assessments", "/assessments", STAFF),
    Page("new assessment", "/assessments/new", STAFF),
    Page(
        "assessment overview",
        "/assessments/{NA.id}",
        TEACHES,
        foreign=("/assessments/{SA.id}",),
    ),
    Page(
        "assessment results",
        "/assessments/{NA.id}/results",
        TEACHES,
        foreign=("/assessments/{SA.id}/results",),
    ),
]

# A CSV download, not an HTML page: its roles, 404 and sign-in redirect are checked in
# tests/web/test_assessments_results.py.
EXEMPT.add("/assessments/{assessment_id}/grades.csv")
