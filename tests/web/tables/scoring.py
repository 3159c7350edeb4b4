"""Pages of the scoring area for the page matrix (tests/web/pages_table.py)."""

from __future__ import annotations

from tests.web.pages_table import TEACHES, Page

PAGES: list[Page] = [
    Page(
        "score team",
        "/assessments/{NA.id}/teams/{NT.id}/score",
        TEACHES,
        foreign=(
            "/assessments/{SA.id}/teams/{ST.id}/score",
            # north's assessment with south's team: not linked, and not north's
            "/assessments/{NA.id}/teams/{ST.id}/score",
        ),
    ),
]
