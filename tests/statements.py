"""Counting the SQL statements a piece of code sends: how tests prove "no query per row"."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa


@contextmanager
def recorded_statements(engine: sa.Engine) -> Iterator[list[str]]:
    """Every SQL statement ``engine`` sends while the block runs, in order."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
