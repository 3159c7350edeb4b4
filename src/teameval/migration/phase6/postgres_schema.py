"""PostgreSQL's side of phase 6: the exact schema of what retirement removes, as the server
itself spells it (``format_type``, ``pg_get_expr``, ``pg_get_constraintdef``,
``pg_get_indexdef``, ``pg_get_triggerdef``), and the statements that make it again.

A table: its owned sequences (with their settings and position), its columns, constraints,
indexes and triggers. A legacy column: its type, default, NOT NULL, identity, and the
constraints and indexes that name it (PostgreSQL drops those with the column). A restore makes
the tables and columns bare, loads the rows, then adds defaults, NOT NULL, keys, indexes, foreign
keys (last, across all tables) and triggers (so none fires on the restored rows), and sets each
sequence past the highest id. PostgreSQL appends an added column at the end of its table: a
restored column keeps its name, type, default, constraints, indexes and values, not its place.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from teameval.migration.phase6.catalog import quote, sql_literal

CONSTRAINT_ORDER = {"p": 0, "u": 1, "c": 2, "x": 3, "f": 4}


def _regclass(table: str) -> str:
    return f"{sql_literal(quote(table))}::regclass"


def _columns(connection: sa.Connection, table: str) -> list[Any]:
    return list(
        connection.exec_driver_sql(
            "SELECT a.attnum, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, "
            "a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default_expr, "
            "a.attidentity AS identity, a.attgenerated AS generated, "
            "pg_get_serial_sequence(" + sql_literal(quote(table)) + ", a.attname) AS sequence "
            "FROM pg_catalog.pg_attribute a "
            "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            f"WHERE a.attrelid = {_regclass(table)} AND a.attnum > 0 AND NOT a.attisdropped "
            "ORDER BY a.attnum"
        ).all()
    )


def _constraints(connection: sa.Connection, table: str) -> list[Any]:
    rows = connection.exec_driver_sql(
        "SELECT conname AS name, contype AS type, pg_get_constraintdef(oid) AS definition, "
        "conkey FROM pg_catalog.pg_constraint "
        f"WHERE conrelid = {_regclass(table)} AND contype IN ('p', 'u', 'c', 'x', 'f') "
        "ORDER BY conname"
    ).all()
    return sorted(rows, key=lambda row: (CONSTRAINT_ORDER[row.type], row.name))


def _indexes(connection: sa.Connection, table: str) -> list[Any]:
    """Indexes of their own (a key's index comes back with its constraint)."""
    return list(
        connection.exec_driver_sql(
            "SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition, "
            "x.indkey::int2[] AS columns, pg_get_expr(x.indexprs, x.indrelid) AS expressions, "
            "pg_get_expr(x.indpred, x.indrelid) AS predicate "
            "FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid "
            f"WHERE x.indrelid = {_regclass(table)} AND NOT EXISTS (SELECT 1 FROM "
            "pg_catalog.pg_constraint k "
            "WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid) "
            "ORDER BY i.relname"
        ).all()
    )


def _triggers(connection: sa.Connection, table: str) -> list[str]:
    return [
        row[0]
        for row in connection.exec_driver_sql(
            "SELECT pg_get_triggerdef(oid) FROM pg_catalog.pg_trigger "
            f"WHERE tgrelid = {_regclass(table)} AND NOT tgisinternal ORDER BY tgname"
        )
    ]


def _sequence(connection: sa.Connection, name: str, column: str) -> dict[str, Any]:
    row = connection.exec_driver_sql(
        "SELECT s.seqtypid::regtype::text AS data_type, s.seqstart, s.seqincrement, s.seqmin, "
        "s.seqmax, s.seqcache, s.seqcycle FROM pg_catalog.pg_sequence s "
        f"WHERE s.seqrelid = {sql_literal(name)}::regclass"
    ).one()
    position = connection.exec_driver_sql(
        f"SELECT last_value, is_called FROM {name}"  # the server's own qualified name
    ).one()
    return {
        "name": name,
        "column": column,
        "data_type": row.data_type,
        "start": int(row.seqstart),
        "increment": int(row.seqincrement),
        "min": int(row.seqmin),
        "max": int(row.seqmax),
        "cache": int(row.seqcache),
        "cycle": bool(row.seqcycle),
        "last_value": int(position.last_value) if position.is_called else None,
    }


def _column_sql(column: Any) -> str:
    text = f"{quote(column.name)} {column.type}"
    if column.identity:
        kind = "ALWAYS" if column.identity == "a" else "BY DEFAULT"
        text += f" GENERATED {kind} AS IDENTITY"
    elif column.default_expr is not None:
        text += f" DEFAULT {column.default_expr}"
    if column.not_null:
        text += " NOT NULL"
    return text


def primary_key(connection: sa.Connection, table: str) -> tuple[str, ...]:
    rows = connection.exec_driver_sql(
        "SELECT a.attname FROM pg_catalog.pg_index x "
        "JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, position) ON true "
        "JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum "
        f"WHERE x.indrelid = {_regclass(table)} AND x.indisprimary ORDER BY k.position"
    ).all()
    return tuple(row[0] for row in rows)


def table_ddl(connection: sa.Connection, table: str) -> dict[str, Any]:
    columns = _columns(connection, table)
    generated = [c.name for c in columns if c.generated]
    if generated:
        raise ValueError(f"{table}.{generated[0]} is a generated column: not archived by phase 6")
    sequences = [
        _sequence(connection, c.sequence, c.name)
        for c in columns
        if c.sequence is not None and not c.identity
    ]
    identities = [
        {**_sequence(connection, c.sequence, c.name), "identity": c.identity}
        for c in columns
        if c.sequence is not None and c.identity
    ]
    body = ",\n    ".join(_column_sql(column) for column in columns)
    return {
        "sequences": sequences,
        "identities": identities,
        "create_table": f"CREATE TABLE {quote(table)} (\n    {body}\n)",
        "constraints": [
            {"name": row.name, "type": row.type, "definition": row.definition}
            for row in _constraints(connection, table)
        ],
        "indexes": [
            {"name": row.name, "definition": row.definition} for row in _indexes(connection, table)
        ],
        "triggers": _triggers(connection, table),
    }


def column_ddl(connection: sa.Connection, table: str, column: str) -> dict[str, Any]:
    from teameval.migration.phase6.sqlite_schema import names

    found = next(c for c in _columns(connection, table) if c.name == column)
    if found.generated or found.identity:
        raise ValueError(f"{table}.{column} is a generated or identity column: not archived")
    attnum = found.attnum
    return {
        "type": found.type,
        "not_null": bool(found.not_null),
        "default": found.default_expr,
        "constraints": [
            {"name": row.name, "type": row.type, "definition": row.definition}
            for row in _constraints(connection, table)
            if attnum in (row.conkey or [])
        ],
        "indexes": [
            {"name": row.name, "definition": row.definition}
            for row in _indexes(connection, table)
            if attnum in (row.columns or [])
            or names(row.expressions or "", column)
            or names(row.predicate or "", column)
        ],
    }


# --- restore --------------------------------------------------------------------------------


def _sequence_sql(sequence: dict[str, Any]) -> str:
    cycle = "CYCLE" if sequence["cycle"] else "NO CYCLE"
    return (
        f"CREATE SEQUENCE {sequence['name']} AS {sequence['data_type']} "
        f"INCREMENT BY {sequence['increment']} MINVALUE {sequence['min']} "
        f"MAXVALUE {sequence['max']} START WITH {sequence['start']} "
        f"CACHE {sequence['cache']} {cycle}"
    )


def create_table(connection: sa.Connection, table: str, ddl: dict[str, Any]) -> None:
    """The bare table (columns and their sequences); keys and indexes come after the rows."""
    for sequence in ddl["sequences"]:
        connection.exec_driver_sql(_sequence_sql(sequence))
    connection.exec_driver_sql(ddl["create_table"])
    for sequence in ddl["sequences"]:
        connection.exec_driver_sql(
            f"ALTER SEQUENCE {sequence['name']} OWNED BY {quote(table)}.{quote(sequence['column'])}"
        )
    for identity in ddl["identities"]:
        connection.exec_driver_sql(
            f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(identity['column'])} "
            f"SET INCREMENT BY {identity['increment']} SET MINVALUE {identity['min']} "
            f"SET MAXVALUE {identity['max']} SET START WITH {identity['start']} "
            f"SET CACHE {identity['cache']} SET {'CYCLE' if identity['cycle'] else 'NO CYCLE'}"
        )


def add_column(connection: sa.Connection, table: str, column: str, ddl: dict[str, Any]) -> None:
    """The bare column: no default yet (rows not in the archive were NULL) and nullable."""
    connection.exec_driver_sql(
        f"ALTER TABLE {quote(table)} ADD COLUMN {quote(column)} {ddl['type']}"
    )


def fill_column(
    connection: sa.Connection,
    table: str,
    column: str,
    key: tuple[str, ...],
    values: list[tuple[Any, ...]],
) -> None:
    """The archived values, by key, through a temporary table and one UPDATE."""
    scratch = "phase6_restore_values"
    key_list = ", ".join(quote(k) for k in key)
    connection.exec_driver_sql(
        f"CREATE TEMP TABLE {scratch} AS SELECT {key_list}, {quote(column)} AS value "
        f"FROM {quote(table)} WITH NO DATA"
    )
    if values:
        placeholders = ", ".join("%s" for _ in range(len(key) + 1))
        connection.exec_driver_sql(
            f"INSERT INTO {scratch} ({key_list}, value) VALUES ({placeholders})", values
        )
    join = " AND ".join(f"t.{quote(k)} = r.{quote(k)}" for k in key)
    connection.exec_driver_sql(
        f"UPDATE {quote(table)} t SET {quote(column)} = r.value FROM {scratch} r WHERE {join}"
    )
    connection.exec_driver_sql(f"DROP TABLE {scratch}")


def finish_column(connection: sa.Connection, table: str, column: str, ddl: dict[str, Any]) -> None:
    if ddl["default"] is not None:
        connection.exec_driver_sql(
            f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} SET DEFAULT {ddl['default']}"
        )
    if ddl["not_null"]:
        connection.exec_driver_sql(
            f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} SET NOT NULL"
        )


def add_constraints(
    connection: sa.Connection, table: str, constraints: list[dict[str, Any]], *, foreign: bool
) -> None:
    for constraint in constraints:
        if (constraint["type"] == "f") == foreign:
            connection.exec_driver_sql(
                f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(constraint['name'])} "
                f"{constraint['definition']}"
            )


def add_indexes(connection: sa.Connection, indexes: list[dict[str, Any]]) -> None:
    for index in indexes:
        connection.exec_driver_sql(index["definition"])


def add_triggers(connection: sa.Connection, triggers: list[str]) -> None:
    for trigger in triggers:
        connection.exec_driver_sql(trigger)


def set_sequences(connection: sa.Connection, table: str, ddl: dict[str, Any]) -> None:
    """Each sequence past the highest id, and never behind where it was archived."""
    for sequence in [*ddl["sequences"], *ddl["identities"]]:
        column = quote(sequence["column"])
        name = (
            f"pg_get_serial_sequence({sql_literal(quote(table))}, "
            f"{sql_literal(sequence['column'])})"
        )
        archived = sequence["last_value"]
        highest = connection.exec_driver_sql(f"SELECT max({column}) FROM {quote(table)}").scalar()
        candidates = [v for v in (archived, highest) if v is not None]
        if candidates:
            connection.exec_driver_sql(f"SELECT setval({name}, {int(max(candidates))}, true)")


def insert_sql(table: str, columns: tuple[str, ...], ddl: dict[str, Any]) -> str:
    overriding = (
        " OVERRIDING SYSTEM VALUE" if any(i["identity"] == "a" for i in ddl["identities"]) else ""
    )
    listed = ", ".join(quote(c) for c in columns)
    placeholders = ", ".join("%s" for _ in columns)
    return f"INSERT INTO {quote(table)} ({listed}){overriding} VALUES ({placeholders})"
