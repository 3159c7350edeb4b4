"""Pages of the rubrics area for the page matrix (tests/web/pages_table.py)."""

from __future__ import annotations

from tests.web.pages_table import STAFF, TEACHES, Page

PAGES: list[Page] = [
    Page("rubrics", "/rubrics", STAFF),
    Page("rubric new", "/rubrics/new", STAFF),
    Page("rubric", "/rubrics/{NR.id}", STAFF, foreign=("/rubrics/{SR.id}",)),
    # NR was made by north's teacher: they and admins change it, the other teacher may not.
    Page("rubric edit", "/rubrics/{NR.id}/edit", TEACHES, foreign=("/rubrics/{SR.id}/edit",)),
]
