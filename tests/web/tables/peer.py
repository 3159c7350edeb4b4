"""Pages of the peer evaluation area for the page matrix (tests/web/pages_table.py)."""

from __future__ import annotations

from tests.web.pages_table import Page

PAGES: list[Page] = []
