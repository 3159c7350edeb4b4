"""INSERT … ON CONFLICT DO NOTHING on either engine, so concurrent writers never collide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_missing(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], conflict_columns: list[str]
) -> None:
    """Insert ``rows``; a key another transaction inserted meanwhile is skipped, not an error."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table).on_conflict_do_nothing(
            index_elements=conflict_columns
        )
    elif dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=conflict_columns)
    else:  # pragma: no cover - only the two supported engines reach here
        raise NotImplementedError(f"Unsupported database dialect {dialect!r}")
    session.execute(statement, list(rows))
