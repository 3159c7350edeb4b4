"""Pages of the projects area for the page matrix (tests/web/pages_table.py)."""

from __future__ import annotations

from tests.web.pages_table import STAFF, TEACHES, Page

PAGES: list[Page] = [
    Page("projects", "/projects", STAFF),
    Page("project", "/projects/{NP.id}", TEACHES, foreign=("/projects/{SP.id}",)),
    Page("team builder", "/projects/{NP.id}/teams", TEACHES, foreign=("/projects/{SP.id}/teams",)),
    Page(
        "team history",
        "/projects/{NP.id}/teams/{NT.id}/history",
        TEACHES,
        foreign=(
            "/projects/{SP.id}/teams/{ST.id}/history",
            "/projects/{NP.id}/teams/{ST.id}/history",
        ),
    ),
]
