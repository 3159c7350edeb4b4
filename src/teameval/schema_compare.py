"""Compare a migrated database's schema with the models, every part of it, on both engines.

Alembic's ``compare_metadata`` skips CHECK constraints, partial index conditions and (on SQLite)
expression indexes, and compares server defaults only loosely. Text written by a person and text
a server gives back never match exactly (PostgreSQL turns ``role IN ('a')`` into
``role::text = ANY (ARRAY[...])``), so the models are not rendered by hand here: they are built
in a scratch place the same server canonicalises (an in-memory SQLite database; PostgreSQL's
session-private temporary schema, rolled back), and both sides are read by the same reader. Only
what the two sides still spell differently (schema names, quoting, whitespace) is normalised.

SQLAlchemy does not reflect SQLite's expression indexes, so on SQLite every index is read from
``sqlite_master.sql`` instead.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

# kind, name → description of that part of one table
TableShape = dict[tuple[str, str], str]
SchemaShape = dict[str, TableShape]

IGNORED_TABLES = {"alembic_version", "sqlite_sequence"}


class SchemaDrift(RuntimeError):
    """The database's schema is not the models' one; ``differences`` says how, in words."""

    def __init__(self, differences: list[str]) -> None:
        self.differences = differences
        super().__init__("; ".join(differences))


def compare(connection: sa.Connection, metadata: sa.MetaData) -> list[str]:
    """Every difference between the database behind ``connection`` and ``metadata``, in words
    (empty when they agree). Changes nothing: PostgreSQL's scratch tables are rolled back."""
    database = read_shape(connection)
    with _models_built(connection, metadata) as (scratch, schema):
        models = read_shape(scratch, schema)
    return differences(models, database)


def differences(models: SchemaShape, database: SchemaShape) -> list[str]:
    found: list[str] = []
    for table in sorted(models.keys() | database.keys()):
        if table not in database:
            found.append(f"table {table} is in the models but not in the database")
            continue
        if table not in models:
            found.append(f"table {table} is in the database but not in the models")
            continue
        want, have = models[table], database[table]
        for kind, name in sorted(want.keys() | have.keys()):
            part = f"table {table}: {kind} {name}"
            if (kind, name) not in have:
                found.append(
                    f"{part} is in the models ({want[kind, name]}) but not in the database"
                )
            elif (kind, name) not in want:
                found.append(
                    f"{part} is in the database ({have[kind, name]}) but not in the models"
                )
            elif want[kind, name] != have[kind, name]:
                found.append(
                    f"{part} differs: models have {want[kind, name]}, "
                    f"the database has {have[kind, name]}"
                )
    return found


@contextmanager
def _models_built(
    connection: sa.Connection, metadata: sa.MetaData
) -> Iterator[tuple[sa.Connection, str | None]]:
    """A connection and schema holding the models' tables, built by the same kind of server."""
    if connection.dialect.name == "sqlite":
        scratch_engine = sa.create_engine("sqlite://")
        try:
            with scratch_engine.connect() as scratch:
                metadata.create_all(scratch)
                yield scratch, None
        finally:
            scratch_engine.dispose()
        return
    # Temporary tables need no CREATE privilege on the database and vanish with the rollback.
    with connection.engine.connect() as scratch:
        transaction = scratch.begin()
        try:
            translated = scratch.execution_options(schema_translate_map={None: "pg_temp"})
            # checkfirst would find the real tables in the search path and create nothing.
            metadata.create_all(translated, checkfirst=False)
            schema = scratch.scalar(
                sa.text("SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()")
            )
            yield scratch, str(schema)
        finally:
            transaction.rollback()


def read_shape(connection: sa.Connection, schema: str | None = None) -> SchemaShape:
    with warnings.catch_warnings():
        # SQLite's expression indexes, which SQLAlchemy skips, are read from sqlite_master.
        warnings.filterwarnings("ignore", message=".*expression-based index")
        return _read_shape(connection, schema)


def _read_shape(connection: sa.Connection, schema: str | None) -> SchemaShape:
    inspector = sa.inspect(connection)
    dialect = connection.dialect
    shape: SchemaShape = {}
    sqlite_indexes = _sqlite_indexes(connection) if dialect.name == "sqlite" else {}
    # The scratch tables are temporary ones, which get_table_names leaves out.
    tables = (
        inspector.get_temp_table_names()
        if schema is not None and schema.startswith("pg_temp")
        else inspector.get_table_names(schema=schema)
    )
    for table in tables:
        if table in IGNORED_TABLES:
            continue
        parts: TableShape = {}
        for column in inspector.get_columns(table, schema=schema):
            parts["column", column["name"]] = _column(column, dialect)
        pk = inspector.get_pk_constraint(table, schema=schema)
        if pk["constrained_columns"]:
            parts["primary key", "of the table"] = _columns(pk["constrained_columns"])
        for unique in inspector.get_unique_constraints(table, schema=schema):
            described = _columns(unique["column_names"])
            parts["unique constraint", unique["name"] or described] = described
        if dialect.name == "sqlite":
            parts.update(sqlite_indexes.get(table, {}))
        else:
            for index in _indexes(inspector, table, schema):
                parts["index", index["name"]] = _index(index)
        for key in inspector.get_foreign_keys(table, schema=schema):
            described = _foreign_key(key)
            parts["foreign key", key["name"] or described] = described
        for check in inspector.get_check_constraints(table, schema=schema):
            text = normalise(check["sqltext"])
            parts["CHECK constraint", check["name"] or text] = f"CHECK ({text})"
        shape[table] = parts
    return shape


def _indexes(inspector: sa.Inspector, table: str, schema: str | None) -> list[Any]:
    indexes = inspector.get_indexes(table, schema=schema)
    # A unique constraint's own index is compared as the constraint.
    return [index for index in indexes if not index.get("duplicates_constraint")]


def _column(column: Any, dialect: sa.Dialect) -> str:
    described = str(column["type"].compile(dialect=dialect))
    described += "" if column["nullable"] else " NOT NULL"
    default = column.get("default")
    if default is not None:
        described += f" DEFAULT {_default(str(default))}"
    return described


def _default(text: str) -> str:
    # A serial column's sequence lives in the table's schema: the scratch one is elsewhere.
    text = re.sub(
        r"nextval\('(?:\"?[\w$]+\"?\.)?\"?([\w$]+)\"?'::regclass\)", r"nextval('\1')", text
    )
    text = normalise(text)
    # SQLite keeps what the DDL said: DEFAULT '1', DEFAULT 1 and DEFAULT (1) are one default.
    return text.strip("'")


def _index(index: Any) -> str:
    expressions = index.get("expressions") or index["column_names"]
    described = ("UNIQUE " if index["unique"] else "") + _columns(
        [normalise(str(e)) for e in expressions]
    )
    where = index.get("dialect_options", {}).get("postgresql_where")
    if where:
        described += f" WHERE {normalise(str(where))}"
    return described


def _foreign_key(key: Any) -> str:
    described = (
        f"{_columns(key['constrained_columns'])} -> "
        f"{key['referred_table']}{_columns(key['referred_columns'])}"
    )
    options = key.get("options", {})
    for option in ("ondelete", "onupdate"):
        value = (options.get(option) or "NO ACTION").upper()
        if value != "NO ACTION":
            described += f" {option.upper().replace('ON', 'ON ', 1)} {value}"
    if options.get("deferrable"):
        described += " DEFERRABLE"
    return described


def _columns(names: list[str]) -> str:
    return "(" + ", ".join(names) + ")"


_SQLITE_INDEX = re.compile(
    r"^CREATE\s+(UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?\S+\s+ON\s+\S+\s*\(", re.IGNORECASE
)


def _sqlite_indexes(connection: sa.Connection) -> dict[str, TableShape]:
    """Every explicitly created index, parsed from its CREATE INDEX statement (SQLAlchemy skips
    expression indexes on SQLite); a UNIQUE constraint's automatic index has no statement."""
    rows = connection.execute(
        sa.text(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        )
    ).all()
    found: dict[str, TableShape] = {}
    for name, table, sql in rows:
        match = _SQLITE_INDEX.match(sql.strip())
        if match is None:
            raise ValueError(f"cannot read SQLite index {name}: {sql}")
        inside, rest = _balanced(sql.strip(), match.end())
        described = ("UNIQUE " if match.group(1) else "") + _columns(
            [normalise(part) for part in _split_top_level(inside)]
        )
        where = re.match(r"\s*WHERE\s+(.*)$", rest, re.IGNORECASE | re.DOTALL)
        if where:
            described += f" WHERE {normalise(where.group(1))}"
        found.setdefault(table, {})["index", name] = described
    return found


def _balanced(text: str, start: int) -> tuple[str, str]:
    """The text up to the parenthesis closing the one opened just before ``start``, and after."""
    depth = 1
    quote: str | None = None
    for position in range(start, len(text)):
        char = text[position]
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return text[start:position], text[position + 1 :]
    raise ValueError(f"unbalanced parentheses: {text}")


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current += char
    return [*parts, current]


_CASTS = re.compile(
    r"::(?:text|character varying|varchar|integer|bigint|boolean|regclass"
    r"|timestamp with time zone)(?:\(\d+\))?(?:\[\])?"
)


def normalise(sql: str) -> str:
    """One spelling for an SQL fragment: lower case outside string literals, no identifier
    quotes, no PostgreSQL ``::text`` casts, single spaces, no redundant parentheses."""
    pieces = re.split(r"('(?:[^']|'')*')", sql)
    out = []
    for position, piece in enumerate(pieces):
        if position % 2:  # a string literal: kept as written
            out.append(piece)
            continue
        piece = piece.replace('"', "").lower()
        piece = _CASTS.sub("", piece)
        out.append(piece)
    text = " ".join("".join(out).split())
    text = re.sub(r"\s*([(),])\s*", r"\1", text).replace(",", ", ")
    previous = None
    while previous != text:
        previous = text
        # (code) as an operand, not a call's argument list: lower((code)) -> lower(code)
        text = re.sub(r"(?<![\w$])\(([\w$.]+|'(?:[^']|'')*')\)", r"\1", text)
        text = _strip_outer(text)
    return text


def _strip_outer(text: str) -> str:
    while text.startswith("(") and text.endswith(")"):
        try:
            inside, rest = _balanced(text, 1)
        except ValueError:
            return text
        if rest:
            return text
        text = inside.strip()
    return text
