"""SQLite's side of phase 6: the exact schema of what retirement removes, read from
``sqlite_master`` (the text SQLite keeps and replays), and the table rebuilds that drop a legacy
column and bring it back.

SQLite cannot drop a column that a foreign key, an index or a constraint names, so the table is
rebuilt in the retirement's transaction, as SQLite's documentation describes and as phase 2's
``sqlite_rebuild`` does for NOT NULL (its CREATE TABLE reader is reused): the stored CREATE TABLE
text without the column's definition and without the table constraints that name it, every row
copied, the old table dropped, the new one renamed, the table's other indexes and triggers made
again. A restore rebuilds it from the CREATE TABLE text the archive kept, so the column is back
in its place, with its constraints, and its values joined in from the archive.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from teameval.migration.phase2.sqlite_rebuild import _first_name, _parse
from teameval.migration.phase6.catalog import quote, sql_literal

NEW_TABLE_PREFIX = "phase6_new_"
RESTORE_VALUES = "phase6_restore_values"
HOLD = "phase6_restore_hold"


def names(text: str, column: str) -> bool:
    """Whether an SQL fragment names ``column`` as an identifier (quoted or not)."""
    name = re.escape(column)
    pattern = rf'(?<![\w$])(?:"{name}"|`{name}`|\[{name}\]|{name})(?![\w$])'
    return re.search(pattern, text, re.IGNORECASE) is not None


def _master(connection: sa.Connection, table: str) -> list[Any]:
    return list(
        connection.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = "
            f"{sql_literal(table)} AND sql IS NOT NULL ORDER BY rowid"
        ).all()
    )


def _sequence(connection: sa.Connection, table: str) -> int | None:
    if not connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"
    ).all():
        return None
    value = connection.exec_driver_sql(
        f"SELECT seq FROM sqlite_sequence WHERE name = {sql_literal(table)}"
    ).scalar()
    return None if value is None else int(value)


def columns_of(connection: sa.Connection, table: str) -> list[str]:
    return [row[1] for row in connection.exec_driver_sql(f"PRAGMA table_info({quote(table)})")]


def primary_key(connection: sa.Connection, table: str) -> tuple[str, ...]:
    rows = connection.exec_driver_sql(f"PRAGMA table_info({quote(table)})").all()
    return tuple(row[1] for row in sorted((r for r in rows if r[5]), key=lambda r: r[5]))


def table_ddl(connection: sa.Connection, table: str) -> dict[str, Any]:
    """The table as SQLite keeps it: its CREATE TABLE, then its indexes' and triggers' text."""
    rows = _master(connection, table)
    create = [row.sql for row in rows if row.type == "table"]
    return {
        "create_table": create[0],
        "indexes": [row.sql for row in rows if row.type == "index"],
        "triggers": [row.sql for row in rows if row.type == "trigger"],
        "sequence": _sequence(connection, table),
    }


def column_ddl(connection: sa.Connection, table: str, column: str) -> dict[str, Any]:
    """What goes with a legacy column: the table's whole CREATE TABLE (a restore rebuilds it
    from this text), the column's definition, the table constraints and indexes that name it."""
    rows = _master(connection, table)
    create = next(row.sql for row in rows if row.type == "table")
    parsed = _parse(create)
    definition = next(p for p in parsed.parts if _first_name(p).lower() == column.lower())
    constraints = [
        part
        for part in parsed.parts
        if _first_name(part).lower() != column.lower()
        and _is_constraint(part)
        and names(part, column)
    ]
    return {
        "create_table": create,
        "columns": columns_of(connection, table),
        "definition": definition,
        "constraints": constraints,
        "indexes": [
            row.sql for row in rows if row.type == "index" and names(_after_on(row.sql), column)
        ],
        "triggers": [row.sql for row in rows if row.type == "trigger" and names(row.sql, column)],
    }


CONSTRAINT_WORDS = ("constraint", "primary", "unique", "check", "foreign")


def _is_constraint(part: str) -> bool:
    return part.split(None, 1)[0].lower() in CONSTRAINT_WORDS if part.split() else False


def _after_on(index_sql: str) -> str:
    """An index's text after ``ON table``: its columns, expressions and WHERE."""
    match = re.search(r"\bON\s+\S+\s*\(", index_sql, re.IGNORECASE)
    return index_sql[match.end() - 1 :] if match else index_sql


def _without_column(create: str, column: str, new_name: str) -> str:
    parsed = _parse(create)
    kept = [
        part
        for part in parsed.parts
        if _first_name(part).lower() != column.lower()
        and not (_is_constraint(part) and names(part, column))
    ]
    body = ",\n    ".join(kept)
    return f"CREATE TABLE {quote(new_name)} (\n    {body}\n){parsed.tail}"


def _swap(
    connection: sa.Connection, table: str, create_new: str, copy: str, keep: list[str]
) -> None:
    """Create the new table, copy, drop the old, rename, make ``keep`` (indexes, triggers)."""
    sequence = _sequence(connection, table)
    new_name = NEW_TABLE_PREFIX + table
    connection.exec_driver_sql(create_new)
    connection.exec_driver_sql(copy.format(new=quote(new_name)))
    connection.exec_driver_sql(f"DROP TABLE {quote(table)}")
    connection.exec_driver_sql(f"ALTER TABLE {quote(new_name)} RENAME TO {quote(table)}")
    for statement in keep:
        connection.exec_driver_sql(statement)
    if sequence is not None:
        set_sequence(connection, table, sequence)


def set_sequence(connection: sa.Connection, table: str, value: int) -> None:
    """AUTOINCREMENT's high-water mark, which a copy alone would lower to the highest id."""
    updated = connection.exec_driver_sql(
        f"UPDATE sqlite_sequence SET seq = max(seq, {int(value)}) WHERE name = {sql_literal(table)}"
    ).rowcount
    if not updated:
        connection.exec_driver_sql(
            f"INSERT INTO sqlite_sequence (name, seq) VALUES ({sql_literal(table)}, {int(value)})"
        )


def drop_column(connection: sa.Connection, table: str, column: str) -> None:
    """Rebuild ``table`` without ``column`` (inside the caller's transaction, foreign keys off)."""
    rows = _master(connection, table)
    create = next(row.sql for row in rows if row.type == "table")
    kept_columns = [c for c in columns_of(connection, table) if c != column]
    listed = ", ".join(quote(c) for c in kept_columns)
    keep = [
        row.sql
        for row in rows
        if (row.type == "index" and not names(_after_on(row.sql), column))
        or (row.type == "trigger" and not names(row.sql, column))
    ]
    _swap(
        connection,
        table,
        _without_column(create, column, NEW_TABLE_PREFIX + table),
        f"INSERT INTO {{new}} ({listed}) SELECT {listed} FROM {quote(table)}",
        keep,
    )


def restore_column(
    connection: sa.Connection,
    table: str,
    column: str,
    ddl: dict[str, Any],
    key: tuple[str, ...],
    values: list[tuple[Any, ...]],
) -> None:
    """Rebuild ``table`` from the archived CREATE TABLE text, every current row copied and the
    column's archived values (by ``key``) joined in; NULL for rows the archive does not hold."""
    current = columns_of(connection, table)
    expected = [c for c in ddl["columns"] if c != column]
    if current != expected:
        raise RestoreRefused(
            f"{table} has columns {current} now; the archive expects {expected} "
            "(its schema changed since the retirement)"
        )
    key_columns = ", ".join(f"{quote(k)} {_affinity(connection, table, k)}" for k in key)
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{RESTORE_VALUES}")
    connection.exec_driver_sql(
        f"CREATE TEMP TABLE {RESTORE_VALUES} ({key_columns}, value, "
        f"PRIMARY KEY ({', '.join(quote(k) for k in key)}))"
    )
    placeholders = ", ".join("?" for _ in range(len(key) + 1))
    if values:
        connection.exec_driver_sql(
            f"INSERT INTO temp.{RESTORE_VALUES} VALUES ({placeholders})", values
        )
    rows = _master(connection, table)
    keep = [row.sql for row in rows if row.type in {"index", "trigger"}]
    every = ", ".join(quote(c) for c in ddl["columns"])
    selected = ", ".join(
        f"r.value AS {quote(c)}" if c == column else f"t.{quote(c)}" for c in ddl["columns"]
    )
    join = " AND ".join(f"r.{quote(k)} = t.{quote(k)}" for k in key)
    sequence = _sequence(connection, table)
    # Through a holding table, so the table is made again from the archived text itself (a
    # rename would rewrite its name in the stored text).
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{HOLD}")
    connection.exec_driver_sql(
        f"CREATE TEMP TABLE {HOLD} AS SELECT {selected} FROM {quote(table)} t "
        f"LEFT JOIN temp.{RESTORE_VALUES} r ON {join}"
    )
    connection.exec_driver_sql(f"DROP TABLE {quote(table)}")
    connection.exec_driver_sql(ddl["create_table"])
    connection.exec_driver_sql(
        f"INSERT INTO {quote(table)} ({every}) SELECT {every} FROM temp.{HOLD}"
    )
    connection.exec_driver_sql(f"DROP TABLE temp.{HOLD}")
    for statement in [*keep, *ddl["indexes"], *ddl["triggers"]]:
        connection.exec_driver_sql(statement)
    if sequence is not None:
        set_sequence(connection, table, sequence)
    connection.exec_driver_sql(f"DROP TABLE temp.{RESTORE_VALUES}")


def _affinity(connection: sa.Connection, table: str, column: str) -> str:
    for row in connection.exec_driver_sql(f"PRAGMA table_info({quote(table)})"):
        if row[1] == column:
            return str(row[2] or "")
    return ""


def foreign_key_problems(connection: sa.Connection) -> list[str]:
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    return [f"{row[0]} rowid {row[1]} -> {row[2]}" for row in rows]


class RestoreRefused(Exception):
    """The database is not in the shape the archive can be restored into."""
