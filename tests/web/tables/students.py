"""Pages of the students area for the page matrix (tests/web/pages_table.py)."""

from __future__ import annotations

from tests.web.pages_table import ADMIN_ONLY, EXEMPT, Page

# The CSV download is a GET route but not an HTML page, so it stays out of the matrix's HTML
# checks; tests/web/test_students_import_export.py checks who gets it (admin 200, others 403,
# signed out → sign-in).
EXEMPT.add("/students/export")

PAGES: list[Page] = [
    Page("students", "/students", ADMIN_ONLY),
    Page(
        "student",
        "/students/{N.student.id}",
        ADMIN_ONLY,
        # Another school's student, and a user of this school who is not a student.
        foreign=("/students/{S.student.id}", "/students/{N.teacher.id}"),
    ),
    Page("students import", "/students/import", ADMIN_ONLY),
]
