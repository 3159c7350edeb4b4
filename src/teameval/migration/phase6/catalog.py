"""What a database holds, asked of its catalog in fixed SQL on either engine: which tables exist,
and a table's columns. Phase 6 needs it before it may touch a table that retirement removes."""

from __future__ import annotations

from teameval.migration.runner.database import Connection


def sql_literal(text: str) -> str:
    """A string literal for catalog queries of names we chose or read from the catalog."""
    return "'" + text.replace("'", "''") + "'"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_names(connection: Connection) -> frozenset[str]:
    """Every table of the current schema."""
    if connection.dialect == "postgresql":
        rows = connection.raw(
            "SELECT c.relname AS name FROM pg_catalog.pg_class c "
            "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')"
        )
    else:
        rows = connection.raw(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    return frozenset(str(row.name) for row in rows)


def has_table(connection: Connection, table: str) -> bool:
    if connection.dialect == "postgresql":
        rows = connection.raw(
            "SELECT 1 AS found FROM pg_catalog.pg_class c WHERE c.relname = "
            f"{sql_literal(table)} AND c.relnamespace = current_schema()::regnamespace "
            "AND c.relkind IN ('r', 'p')"
        )
    else:
        rows = connection.raw(
            f"SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = "
            f"{sql_literal(table)}"
        )
    return bool(rows)


def column_names(connection: Connection, table: str) -> tuple[str, ...]:
    """The table's columns in their order (empty when the table does not exist)."""
    if connection.dialect == "postgresql":
        rows = connection.raw(
            "SELECT a.attname AS name FROM pg_catalog.pg_attribute a "
            "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
            f"WHERE c.relname = {sql_literal(table)} "
            "AND c.relnamespace = current_schema()::regnamespace "
            "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
        )
    else:
        rows = connection.raw(f"PRAGMA table_info({quote(table)})")
    return tuple(str(row.name) for row in rows)
