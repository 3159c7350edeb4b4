"""What retirement removes from this database, found in its catalog, with the exact schema and
the row counts.

On teameval's own schema (it has ``legacy_state``): the tables ``groups`` and ``group_members``
and the column ``project_teams.team_id`` (with its composite foreign key to ``groups``). On a
legacy-shaped database: those tables, and the legacy columns ``project_assessments.group_id``,
``project_assessment_scores.team_number`` and ``project_teams.team_id`` (which points at
``groups``), each only where it exists. A table another table still points at, other than
through a legacy column, stops the retirement (exit 3, naming the foreign key).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from teameval.migration.phase6 import postgres_schema, sqlite_schema
from teameval.migration.phase6.catalog import column_names, quote, sql_literal, table_names
from teameval.migration.phase6.rows import RowSource, count_rows
from teameval.migration.runner.database import as_connection
from teameval.migration.runner.probe import CouldNotRun

Shape = Literal["ours", "legacy"]
# Drop order: members first.
LEGACY_TABLES = ("group_members", "groups")
OUR_COLUMNS = (("project_teams", "team_id"),)
LEGACY_SHAPE_COLUMNS = (
    ("project_assessments", "group_id"),
    ("project_assessment_scores", "team_number"),
    ("project_teams", "team_id"),
)


@dataclass(frozen=True)
class TablePart:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    rows: int
    ddl: dict[str, Any]

    @property
    def member(self) -> str:
        return f"tables/{self.name}.jsonl"

    @property
    def source(self) -> RowSource:
        return RowSource(self.name, self.columns, self.key)


@dataclass(frozen=True)
class ColumnPart:
    table: str
    column: str
    key: tuple[str, ...]
    rows: int  # rows holding a value (NOT NULL): what the archive keeps
    ddl: dict[str, Any]

    @property
    def member(self) -> str:
        return f"columns/{self.table}.{self.column}.jsonl"

    @property
    def source(self) -> RowSource:
        return RowSource(self.table, (*self.key, self.column), self.key, not_null=self.column)


@dataclass(frozen=True)
class RetirementPlan:
    shape: Shape
    dialect: str
    tables: tuple[TablePart, ...]
    columns: tuple[ColumnPart, ...]

    @property
    def empty(self) -> bool:
        return not self.tables and not self.columns

    def parts(self) -> list[TablePart | ColumnPart]:
        return [*self.tables, *self.columns]

    def to_json(self) -> dict[str, Any]:
        return {
            "shape": self.shape,
            "tables": [
                {
                    "name": t.name,
                    "rows": t.rows,
                    "columns": list(t.columns),
                    "constraints": constraint_names(self.dialect, t.ddl),
                    "indexes": index_names(self.dialect, t.ddl),
                }
                for t in self.tables
            ],
            "columns": [
                {
                    "table": c.table,
                    "column": c.column,
                    "rows_with_a_value": c.rows,
                    "constraints": constraint_names(self.dialect, c.ddl),
                    "indexes": index_names(self.dialect, c.ddl),
                }
                for c in self.columns
            ],
        }


def constraint_names(dialect: str, ddl: dict[str, Any]) -> list[str]:
    if dialect == "postgresql":
        return [c["name"] for c in ddl["constraints"]]
    return [" ".join(text.split()) for text in ddl.get("constraints", [])]


def index_names(dialect: str, ddl: dict[str, Any]) -> list[str]:
    if dialect == "postgresql":
        return [i["name"] for i in ddl["indexes"]]
    return [text.split()[2 if text.split()[1].upper() == "INDEX" else 3] for text in ddl["indexes"]]


def shape_of(present: frozenset[str]) -> Shape:
    return "ours" if "legacy_state" in present else "legacy"


def _module(dialect: str) -> Any:
    return postgres_schema if dialect == "postgresql" else sqlite_schema


def _key(connection: sa.Connection, table: str) -> tuple[str, ...]:
    key: tuple[str, ...] = _module(connection.dialect.name).primary_key(connection, table)
    if not key:
        raise CouldNotRun(f"table {table} has no primary key: its rows cannot be archived")
    return key


def _foreign_keys_into(connection: sa.Connection, table: str) -> list[tuple[str, str, str]]:
    """(table, constraint, columns) of every foreign key pointing at ``table``."""
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT r.relname, c.conname, string_agg(a.attname, ',' ORDER BY a.attname) "
            "FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_class r ON r.oid = c.conrelid "
            "JOIN pg_catalog.pg_attribute a "
            "ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
            f"WHERE c.contype = 'f' AND c.confrelid = {sql_literal(quote(table))}::regclass "
            "GROUP BY r.relname, c.conname"
        ).all()
        return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]
    found: list[tuple[str, str, str]] = []
    for other in table_names(as_connection(connection)):
        keys: dict[int, list[str]] = {}
        for row in connection.exec_driver_sql(f"PRAGMA foreign_key_list({quote(other)})"):
            if row[2] == table:
                keys.setdefault(row[0], []).append(row[3])
        found += [(other, f"foreign key {i}", ",".join(sorted(c))) for i, c in keys.items()]
    return found


def find_plan(connection: sa.Connection) -> RetirementPlan:
    """What retirement would archive and remove here, read from the catalog (read-only)."""
    present = table_names(as_connection(connection))
    shape = shape_of(present)
    dialect = connection.dialect.name
    module = _module(dialect)
    wanted = OUR_COLUMNS if shape == "ours" else LEGACY_SHAPE_COLUMNS
    columns = []
    for table, column in wanted:
        if table in present and column in column_names(as_connection(connection), table):
            key = _key(connection, table)
            source = RowSource(table, (*key, column), key, not_null=column)
            columns.append(
                ColumnPart(
                    table,
                    column,
                    key,
                    count_rows(connection, source),
                    module.column_ddl(connection, table, column),
                )
            )
    tables = []
    for table in LEGACY_TABLES:
        if table not in present:
            continue
        key = _key(connection, table)
        names = tuple(column_names(as_connection(connection), table))
        source = RowSource(table, names, key)
        tables.append(
            TablePart(
                table,
                names,
                key,
                count_rows(connection, source),
                module.table_ddl(connection, table),
            )
        )
    removed_tables = {t.name for t in tables}
    removed_columns = {(c.table, c.column) for c in columns}
    for table in removed_tables:
        for other, constraint, names_ in _foreign_keys_into(connection, table):
            if other in removed_tables:
                continue
            if not any((other, name) in removed_columns for name in names_.split(",")):
                raise CouldNotRun(
                    f"{other}.{names_} ({constraint}) points at {table} and is not a legacy "
                    "column phase 6 removes: drop or settle it first"
                )
    return RetirementPlan(shape, dialect, tuple(tables), tuple(columns))
