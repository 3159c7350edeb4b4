"""Make a column NOT NULL on SQLite, which cannot alter a column: the table is rebuilt in one
transaction, as SQLite's documentation describes ("Making Other Kinds Of Table Schema Changes").

:func:`plan` writes the statements from the table's stored ``CREATE TABLE`` text (so every
constraint, default and foreign key stays as it was) with the column made NOT NULL: create the
new table, copy every row, drop the old one, rename the new one, recreate the table's indexes
and triggers (views and other tables' triggers keep naming it). :func:`execute` runs them with
foreign keys off around the transaction (dropping the old table must not cascade or fail on the
rows pointing at it), takes the write lock first, plans again inside it to be sure the schema
did not change in between, and before the commit checks the column is NOT NULL, every row
arrived and ``PRAGMA foreign_key_check`` is clean.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from teameval.migration.runner.database import Connection

NEW_TABLE_PREFIX = "contract_new_"


class RebuildFailed(Exception):
    """A check before the commit refused; the transaction was rolled back."""


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class _Parsed:
    head: str  # "CREATE TABLE name (" up to and without the opening parenthesis
    parts: list[str]  # the column definitions and table constraints, comments left out
    tail: str  # after the closing parenthesis ("", " WITHOUT ROWID", " STRICT")


def _parse(create: str) -> _Parsed:
    """Split a CREATE TABLE text at its top-level commas, minding quotes and comments."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    head_end: int | None = None
    index = 0
    while index < len(create):
        char = create[index]
        closing = {"'": "'", '"': '"', "`": "`", "[": "]"}.get(char)
        if closing is not None:
            end = create.index(closing, index + 1)
            while closing != "]" and create.startswith(closing, end + 1):
                end = create.index(closing, end + 2)  # a doubled quote inside the quotes
            current.append(create[index : end + 1])
            index = end + 1
            continue
        if create.startswith("--", index):
            end = create.find("\n", index)
            index = len(create) if end < 0 else end
            continue
        if create.startswith("/*", index):
            end = create.find("*/", index + 2)
            index = len(create) if end < 0 else end + 2
            current.append(" ")
            continue
        if char == "(":
            depth += 1
            if depth == 1 and head_end is None:
                head_end = index
                current = []
                index += 1
                continue
        elif char == ")":
            depth -= 1
            if depth == 0 and head_end is not None:
                parts.append("".join(current).strip())
                return _Parsed(create[:head_end], parts, create[index + 1 :])
        elif char == "," and depth == 1:
            parts.append("".join(current).strip())
            current = []
            index += 1
            continue
        current.append(char)
        index += 1
    raise RebuildFailed("cannot read the stored CREATE TABLE text")


def _first_name(part: str) -> str:
    word = part.split(None, 1)[0] if part.split() else ""
    if word[:1] in {'"', "`", "["}:
        return word[1:-1]
    return word


def not_null_create(create: str, column: str, new_name: str) -> str:
    """The stored CREATE TABLE text for ``new_name`` with ``column`` made NOT NULL."""
    parsed = _parse(create)
    found = False
    parts = []
    for part in parsed.parts:
        if _first_name(part).lower() == column.lower():
            part += " NOT NULL"  # a second NOT NULL would be harmless; the caller checks
            found = True
        parts.append(part)
    if not found:
        raise RebuildFailed(f"column {column} not found in the stored CREATE TABLE text")
    body = ",\n    ".join(parts)
    return f"CREATE TABLE {quote(new_name)} (\n    {body}\n){parsed.tail}"


def plan(connection: Connection, table: str, column: str) -> tuple[str, ...]:
    """The rebuild's statements, from what the database holds now."""
    rows = connection.raw(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = "
        f"'{table.replace(chr(39), chr(39) * 2)}' AND sql IS NOT NULL ORDER BY rowid"
    )
    create = next((row.sql for row in rows if row.type == "table" and row.name == table), None)
    if create is None:
        raise RebuildFailed(f"table {table} not found")
    # Indexes a UNIQUE or PRIMARY KEY constraint made have no SQL: the CREATE TABLE remakes them.
    others = [row.sql for row in rows if row.type in {"index", "trigger"}]
    names = [row.name for row in connection.raw(f"PRAGMA table_info({quote(table)})")]
    columns = ", ".join(quote(name) for name in names)
    new_name = NEW_TABLE_PREFIX + table
    return (
        not_null_create(create, column, new_name),
        f"INSERT INTO {quote(new_name)} ({columns}) SELECT {columns} FROM {quote(table)}",
        f"DROP TABLE {quote(table)}",
        f"ALTER TABLE {quote(new_name)} RENAME TO {quote(table)}",
        *others,
    )


def _sequence(connection: Connection, table: str) -> int | None:
    """AUTOINCREMENT's high-water mark, which a copy alone would lower to the highest id."""
    if not connection.raw("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"):
        return None
    rows = connection.raw(
        f"SELECT seq FROM sqlite_sequence WHERE name = '{table.replace(chr(39), chr(39) * 2)}'"
    )
    return int(rows[0].seq) if rows else None


def execute(
    connection: Connection,
    table: str,
    column: str,
    statements: Sequence[str],
    *,
    check: Callable[[Connection], None] | None = None,
) -> None:
    """Run a :func:`plan` in one transaction on an autocommit SQLite connection; ``check``
    runs first, holding the write lock (a gate checked again where no writer can slip by)."""
    foreign_keys = bool(connection.raw("PRAGMA foreign_keys")[0][0])
    legacy_alter = bool(connection.raw("PRAGMA legacy_alter_table")[0][0])
    connection.raw("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction: set before
    # The rename must not re-check views and triggers of other tables naming the table: they
    # would fail while it is dropped and the new one not renamed yet (SQLite's documentation
    # of this procedure says the same); they name it again once the rename is done.
    connection.raw("PRAGMA legacy_alter_table = ON")
    try:
        connection.raw("BEGIN IMMEDIATE")
        try:
            if check is not None:
                check(connection)
            if tuple(plan(connection, table, column)) != tuple(statements):
                raise RebuildFailed(f"the schema of {table} changed since the plan: run again")
            rows_before = connection.raw(f"SELECT count(*) FROM {quote(table)}")[0][0]
            sequence = _sequence(connection, table)
            for statement in statements:
                connection.raw(statement)
            _check_result(connection, table, column, rows_before)
            if sequence is not None:
                connection.raw(
                    f"UPDATE sqlite_sequence SET seq = max(seq, {sequence}) "
                    f"WHERE name = '{table.replace(chr(39), chr(39) * 2)}'"
                )
        except BaseException:
            with contextlib.suppress(Exception):  # the first error is the one to report
                connection.raw("ROLLBACK")
            raise
        connection.raw("COMMIT")
    finally:
        connection.raw(f"PRAGMA legacy_alter_table = {'ON' if legacy_alter else 'OFF'}")
        connection.raw(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")


def _check_result(connection: Connection, table: str, column: str, rows_before: int) -> None:
    info = {row.name: row for row in connection.raw(f"PRAGMA table_info({quote(table)})")}
    if not info[column].notnull:
        raise RebuildFailed(f"{table}.{column} is still nullable after the rebuild")
    rows_after = connection.raw(f"SELECT count(*) FROM {quote(table)}")[0][0]
    if rows_after != rows_before:
        raise RebuildFailed(f"{table}: {rows_before} rows before the rebuild, {rows_after} after")
    # The rebuilt table's own foreign keys, and those of every table pointing at it.
    for name in [table, *_referencing(connection, table)]:
        problems = connection.raw(f"PRAGMA foreign_key_check({quote(name)})")
        if problems:
            first = problems[0]
            raise RebuildFailed(
                f"PRAGMA foreign_key_check: {len(problems)} row(s) of {name} break a foreign "
                f"key (first: rowid {first[1]} -> {first[2]})"
            )


def _referencing(connection: Connection, table: str) -> list[str]:
    names = [
        row.name
        for row in connection.raw("SELECT name FROM sqlite_master WHERE type = 'table'")
        if row.name != table
    ]
    return [
        name
        for name in names
        if any(
            row.table == table for row in connection.raw(f"PRAGMA foreign_key_list({quote(name)})")
        )
    ]
