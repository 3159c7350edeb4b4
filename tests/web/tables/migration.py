"""Pages of the migration area for the page matrix (tests/web/pages_table.py)."""

from __future__ import annotations

from tests.web.pages_table import ADMIN_ONLY, Page

PAGES: list[Page] = [
    # The status without running the audit (it runs on demand: ?run=1, tested in
    # test_migration_page.py).
    Page("migration", "/migration", ADMIN_ONLY),
]
