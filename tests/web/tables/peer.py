"""Pages of the peer evaluation area for the page matrix (tests/web/pages_table.py)."""

from __future__ import annotations

from tests.web.pages_table import EXEMPT, STAFF, STUDENT_ONLY, TEACHES, Page

PAGES: list[Page] = [
    Page("my peer evaluations", "/my/peer-evaluations", STUDENT_ONLY),
    Page("peer evaluations", "/peer-evaluations", STAFF),
    Page(
        "new peer evaluation",
        "/projects/{NP.id}/peer-evaluations/new",
        TEACHES,
        foreign=("/projects/{SP.id}/peer-evaluations/new",),
    ),
]

# The roster world has no peer evaluation: the pages of one (the student's form and feedback,
# the teacher's overview, team ratings and fairness preview) have their roles, other schools'
# 404s, sign-in redirects and HTML checks in tests/web/test_peer_access.py, on an open and a
# published evaluation.
EXEMPT.update(
    {
        "/my/peer-evaluations/{evaluation_id}",
        "/peer-evaluations/{evaluation_id}",
        "/peer-evaluations/{evaluation_id}/preview",
        "/peer-evaluations/{evaluation_id}/teams/{team_id}",
        # a CSV download, not an HTML page (its roles: tests/web/test_peer_access.py)
        "/peer-evaluations/{evaluation_id}/export.csv",
    }
)
