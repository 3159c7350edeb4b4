"""What the database has of the tables phase 2 touches (:data:`TABLES`): their columns,
indexes and constraints, read from PostgreSQL's catalog or SQLite's ``sqlite_master`` and
pragmas. ``phase2.ddl`` turns a :class:`Catalog` into the steps still to run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from teameval.migration.runner.database import Connection

SCORES = "project_assessment_scores"
JUNCTION = "project_assessment_teams"
ARCHIVE = "archived_assessment_scores"
TABLES = (SCORES, JUNCTION, ARCHIVE)


@dataclass(frozen=True)
class ColumnDef:
    type_name: str  # as the catalog spells it ("integer", "character varying(200)", "TEXT")
    not_null: bool


@dataclass(frozen=True)
class Catalog:
    """What the database has of the tables in :data:`TABLES` (absent tables are left out)."""

    dialect: str
    columns: Mapping[str, Mapping[str, ColumnDef]]
    indexes: Mapping[str, bool]  # name -> usable (False: an INVALID leftover on PostgreSQL)
    checks: Mapping[str, bool]  # CHECK constraints of the scores table: name -> validated
    # Foreign keys of scores.project_team_id to project_teams: name -> validated.
    score_team_fks: Mapping[str, bool]

    def has_table(self, name: str) -> bool:
        return name in self.columns

    def score_column(self, name: str) -> ColumnDef | None:
        return self.columns.get(SCORES, {}).get(name)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_IN_TABLES = ", ".join(f"'{name}'" for name in TABLES)
POSTGRES_COLUMNS = f"""
SELECT c.relname AS table_name, a.attname AS column_name,
       format_type(a.atttypid, a.atttypmod) AS type_name, a.attnotnull AS not_null
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
  AND c.relname IN ({_IN_TABLES})
ORDER BY c.relname, a.attnum
"""
POSTGRES_INDEXES = f"""
SELECT i.relname AS index_name, x.indisvalid AS valid
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
WHERE t.relnamespace = current_schema()::regnamespace AND t.relname IN ({_IN_TABLES})
"""
POSTGRES_CONSTRAINTS = f"""
SELECT con.conname AS name, con.contype AS kind, con.convalidated AS validated,
       r.relname AS target,
       (SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = con.conrelid AND a.attnum = ANY (con.conkey)) AS column_names
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class t ON t.oid = con.conrelid
LEFT JOIN pg_catalog.pg_class r ON r.oid = con.confrelid
WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = '{SCORES}'
  AND con.contype IN ('c', 'f')
"""


def _postgres_catalog(connection: Connection) -> Catalog:
    columns: dict[str, dict[str, ColumnDef]] = {}
    for row in connection.raw(POSTGRES_COLUMNS):
        columns.setdefault(row.table_name, {})[row.column_name] = ColumnDef(
            row.type_name, bool(row.not_null)
        )
    indexes = {row.index_name: bool(row.valid) for row in connection.raw(POSTGRES_INDEXES)}
    checks: dict[str, bool] = {}
    fks: dict[str, bool] = {}
    for row in connection.raw(POSTGRES_CONSTRAINTS):
        if row.kind == "c":
            checks[row.name] = bool(row.validated)
        elif row.column_names == "project_team_id" and row.target == "project_teams":
            fks[row.name] = bool(row.validated)
    return Catalog("postgresql", columns, indexes, checks, fks)


def _sqlite_catalog(connection: Connection) -> Catalog:
    present = {row.name for row in connection.raw("SELECT name FROM sqlite_master")}
    columns: dict[str, dict[str, ColumnDef]] = {}
    for table in TABLES:
        if table in present:
            columns[table] = {
                row.name: ColumnDef(row.type or "", bool(row.notnull))
                for row in connection.raw(f"PRAGMA table_info({quote(table)})")
            }
    indexes = {
        row.name: True
        for row in connection.raw("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'")
        if row.tbl_name in TABLES
    }
    fks: dict[str, bool] = {}
    if SCORES in columns:
        for row in connection.raw(f"PRAGMA foreign_key_list({quote(SCORES)})"):
            if getattr(row, "from") == "project_team_id" and row.table == "project_teams":
                fks[f"foreign key {row.id}"] = True  # SQLite keeps no constraint names
    # SQLite has no NOT VALID checks: the contract rebuilds the table instead.
    return Catalog("sqlite", columns, indexes, {}, fks)


def read_catalog(connection: Connection) -> Catalog:
    if connection.dialect == "postgresql":
        return _postgres_catalog(connection)
    if connection.dialect == "sqlite":
        return _sqlite_catalog(connection)
    raise NotImplementedError(f"phase 2 DDL for {connection.dialect}")
