"""Pages of the courses area for the page matrix (tests/web/pages_table.py)."""

from __future__ import annotations

from tests.web.pages_table import STAFF, TEACHES, Page

PAGES: list[Page] = [
    # Admin: the school's courses; teachers: their own; students have /my/courses.
    Page("courses", "/courses", STAFF),
    # The course page: admins and the course's teachers (another teacher: 403).
    Page("course", "/courses/{N.course.id}", TEACHES, foreign=("/courses/{S.course.id}",)),
]
