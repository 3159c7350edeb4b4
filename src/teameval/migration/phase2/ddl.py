"""The DDL of ``expand assessments`` and ``contract assessments`` (issue 12), per dialect.

A command reads the catalog (:func:`read_catalog`: the columns, indexes and constraints of the
tables phase 2 touches) and turns it into :class:`Step` objects (name, SQL, already done or
not); ``run_ddl`` runs those not done yet, each on its own. So a run interrupted between steps,
or a rerun of a finished one, picks up exactly where the database stands.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from teameval.migration.runner.database import Connection
from teameval.migration.runner.probe import CouldNotRun

SCORES = "project_assessment_scores"
JUNCTION = "project_assessment_teams"
ARCHIVE = "archived_assessment_scores"
TABLES = (SCORES, JUNCTION, ARCHIVE)

JUNCTION_TEAM_INDEX = "ix_project_assessment_teams_project_team_id"
SCORE_TEAM_INDEX = "ix_project_assessment_scores_project_team_id"
SCORE_TEAM_FK = "fk_project_assessment_scores_project_team_id"
NOT_NULL_CHECK = "pas_project_team_id_not_null"
TEAM_SCORE_UNIQUE = "uq_project_assessment_scores_team"
OVERRIDE_UNIQUE = "uq_project_assessment_scores_override"
ARCHIVE_EXTRA = ("archived_at", "reason")


Mode = Literal["transaction", "outside_transaction", "sqlite_rebuild"]


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


@dataclass(frozen=True)
class Step:
    """One piece of DDL: the statements of one transaction (or, ``outside_transaction``, run
    one by one outside any), already applied or not."""

    name: str
    statements: tuple[str, ...]
    done: bool
    mode: Mode = "transaction"
    # Run after a failed try, whatever happened (drop an INVALID index a failed build left).
    cleanup: tuple[str, ...] = ()
    # Run inside the transaction, under its lock, before the commit (after the statements; the
    # SQLite rebuild runs it first): raises to roll the step back.
    check: Callable[[Connection], None] | None = field(default=None, compare=False)

    @property
    def sql(self) -> str:
        statements = self.statements
        if self.mode == "sqlite_rebuild":  # what sqlite_rebuild.execute runs around them
            statements = (
                "PRAGMA foreign_keys = OFF",
                "PRAGMA legacy_alter_table = ON",
                "BEGIN IMMEDIATE",
                *statements,
                f"PRAGMA foreign_key_check({SCORES})",
                "COMMIT",
                "PRAGMA legacy_alter_table = OFF",
                "PRAGMA foreign_keys = ON",
            )
        return "".join(f"{statement};\n" for statement in statements)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "sql": self.sql, "done": self.done}


class StepFailed(Exception):
    """A step's own check refused: the message says why, its transaction was rolled back."""


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- the catalog ------------------------------------------------------------------------------

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


# --- the DDL itself ---------------------------------------------------------------------------


def _types(dialect: str) -> tuple[str, str]:
    """The junction's identity primary key and a timestamp column type."""
    if dialect == "postgresql":
        return "INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "TIMESTAMP WITH TIME ZONE"
    return "INTEGER PRIMARY KEY", "DATETIME"


def junction_table(dialect: str) -> str:
    # team_number NULL: a key without a number settled by a decision. Unique per assessment
    # like a value (the last index), as the keys' definition groups NULL with NULL.
    pk, stamp = _types(dialect)
    return f"""CREATE TABLE {JUNCTION} (
    id {pk},
    school_id INTEGER NOT NULL REFERENCES schools(id),
    project_assessment_id INTEGER NOT NULL REFERENCES project_assessments(id),
    project_team_id INTEGER NOT NULL REFERENCES project_teams(id),
    team_number INTEGER,
    source VARCHAR(20) NOT NULL,
    created_at {stamp} NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_project_assessment_teams_number UNIQUE (project_assessment_id, team_number),
    CONSTRAINT uq_project_assessment_teams_team UNIQUE (project_assessment_id, project_team_id),
    CONSTRAINT ck_project_assessment_teams_source
        CHECK (source IN ('linked', 'created', 'decision'))
)"""


JUNCTION_NO_NUMBER_INDEX = "uq_project_assessment_teams_no_number"


def junction_steps(catalog: Catalog) -> list[Step]:
    exists = catalog.has_table(JUNCTION)
    return [
        Step(
            "create_junction_table",
            (
                junction_table(catalog.dialect),
                f"CREATE UNIQUE INDEX {JUNCTION_NO_NUMBER_INDEX} ON {JUNCTION} "
                "(project_assessment_id) WHERE team_number IS NULL",
            ),
            exists,
        ),
        # The junction is new and empty when this runs: no CONCURRENTLY needed.
        Step(
            "create_junction_team_index",
            (f"CREATE INDEX {JUNCTION_TEAM_INDEX} ON {JUNCTION} (project_team_id)",),
            catalog.indexes.get(JUNCTION_TEAM_INDEX, False),
        ),
    ]


def concurrent_index_step(catalog: Catalog, name: str, create: str, *, step_name: str) -> Step:
    """An index built without blocking writers on PostgreSQL (after dropping an INVALID
    leftover of an interrupted build); a plain CREATE INDEX in a transaction on SQLite."""
    state = catalog.indexes.get(name)
    if catalog.dialect != "postgresql":
        return Step(step_name, (create.format(concurrently=""),), state is not None)
    drop = f"DROP INDEX CONCURRENTLY IF EXISTS {name}"
    statements = (drop,) if state is False else ()
    return Step(
        step_name,
        (*statements, create.format(concurrently="CONCURRENTLY ")),
        state is True,
        mode="outside_transaction",
        cleanup=(drop,),
    )


def score_column_steps(catalog: Catalog) -> list[Step]:
    has_column = catalog.score_column("project_team_id") is not None
    index = concurrent_index_step(
        catalog,
        SCORE_TEAM_INDEX,
        f"CREATE INDEX {{concurrently}}{SCORE_TEAM_INDEX} ON {SCORES} (project_team_id)",
        step_name="create_score_team_index",
    )
    if catalog.dialect != "postgresql":
        # SQLite adds a column with its REFERENCES clause (NULL default), nothing to validate.
        add = (
            f"ALTER TABLE {SCORES} ADD COLUMN project_team_id INTEGER "
            f"CONSTRAINT {SCORE_TEAM_FK} REFERENCES project_teams(id)"
        )
        return [Step("add_score_project_team_id", (add,), has_column), index]
    # Nullable without a default: a catalog change only. The foreign key is added NOT VALID
    # (no scan under the exclusive lock) and validated in a later transaction, which scans
    # under a lock that lets writers go on.
    fk_name, validated = next(iter(catalog.score_team_fks.items()), (SCORE_TEAM_FK, False))
    return [
        Step(
            "add_score_project_team_id",
            (f"ALTER TABLE {SCORES} ADD COLUMN project_team_id INTEGER",),
            has_column,
        ),
        Step(
            "add_score_project_team_fk",
            (
                f"ALTER TABLE {SCORES} ADD CONSTRAINT {fk_name} FOREIGN KEY (project_team_id) "
                "REFERENCES project_teams(id) NOT VALID",
            ),
            bool(catalog.score_team_fks),
        ),
        Step(
            "validate_score_project_team_fk",
            (f"ALTER TABLE {SCORES} VALIDATE CONSTRAINT {fk_name}",),
            validated,
        ),
        index,
    ]


def archive_columns(catalog: Catalog) -> dict[str, ColumnDef]:
    """The scores table's columns as they will be after expansion (project_team_id added)."""
    columns = dict(catalog.columns.get(SCORES, {}))
    integer = "integer" if catalog.dialect == "postgresql" else "INTEGER"
    columns.setdefault("project_team_id", ColumnDef(integer, False))
    clash = [name for name in ARCHIVE_EXTRA if name in columns]
    if clash:
        raise CouldNotRun(
            f"{SCORES}.{clash[0]} exists: the archive table {ARCHIVE} needs that name for "
            "itself; rename the column first"
        )
    return columns


def _column_sql(name: str, column: ColumnDef, *, not_null: bool) -> str:
    parts = [quote(name), column.type_name, "NOT NULL" if not_null else ""]
    return " ".join(part for part in parts if part)


def archive_table(catalog: Catalog) -> str:
    _pk, stamp = _types(catalog.dialect)
    lines = [
        f"{_column_sql(name, column, not_null=True)} PRIMARY KEY"
        if name == "id"
        else _column_sql(name, column, not_null=column.not_null)
        for name, column in archive_columns(catalog).items()
    ]
    lines += [
        f"archived_at {stamp} NOT NULL DEFAULT CURRENT_TIMESTAMP",
        "reason VARCHAR(50) NOT NULL",
    ]
    body = ",\n    ".join(lines)
    return f"CREATE TABLE {ARCHIVE} (\n    {body}\n)"


def archive_steps(catalog: Catalog) -> list[Step]:
    """``archived_assessment_scores``: every column of the scores table (same names and
    types; ``id`` the original row's, so a primary key without a default), ``archived_at`` and
    ``reason``; no foreign keys, so an archived row outlives what it pointed to. If the scores
    table gained columns since the archive was made, they are added (nullable), so that
    ``resolve duplicate-scores`` can still move rows whole."""
    create = Step("create_archive_table", (archive_table(catalog),), catalog.has_table(ARCHIVE))
    existing = catalog.columns.get(ARCHIVE)
    if existing is None:
        return [create]
    columns = archive_columns(catalog)
    missing = [name for name in columns if name not in existing]
    if not missing:
        return [create]
    statements = tuple(
        f"ALTER TABLE {ARCHIVE} ADD COLUMN {_column_sql(name, columns[name], not_null=False)}"
        for name in missing
    )
    return [create, Step("add_archive_columns", statements, False)]


def expand_steps(catalog: Catalog) -> list[Step]:
    return [*junction_steps(catalog), *score_column_steps(catalog), *archive_steps(catalog)]


def no_null_team(connection: Connection) -> None:
    """The contract's last gate, inside the transaction that takes the lock: a writer may have
    slipped in a score row without a team since the audit (an index look-up, the expand's
    index on project_team_id)."""
    if connection.raw(f"SELECT 1 FROM {SCORES} WHERE project_team_id IS NULL LIMIT 1"):
        raise StepFailed(
            f"{SCORES} has rows without project_team_id again (written since the audit): "
            "run `teameval backfill assessments --commit`, then contract again"
        )


UNIQUE_INDEXES = (
    (
        "create_team_score_unique_index",
        TEAM_SCORE_UNIQUE,
        "(assessment_id, criterion_id, project_team_id) WHERE student_id IS NULL",
    ),
    (
        "create_override_unique_index",
        OVERRIDE_UNIQUE,
        "(assessment_id, criterion_id, project_team_id, student_id) WHERE student_id IS NOT NULL",
    ),
)


def unique_index_steps(catalog: Catalog) -> list[Step]:
    return [
        concurrent_index_step(
            catalog,
            name,
            f"CREATE UNIQUE INDEX {{concurrently}}{name} ON {SCORES} {columns}",
            step_name=step_name,
        )
        for step_name, name, columns in UNIQUE_INDEXES
    ]


def not_null_steps(catalog: Catalog, rebuild: Sequence[str]) -> list[Step]:
    """project_team_id NOT NULL. PostgreSQL: a CHECK added NOT VALID (a moment's exclusive lock,
    no scan), validated (a scan that lets writers go on), then SET NOT NULL, which PostgreSQL
    12+ proves from the validated check without a scan, and the check dropped. SQLite cannot
    alter a column: ``rebuild`` (``sqlite_rebuild.plan``) copies the table in one transaction."""
    column = catalog.score_column("project_team_id")
    not_null = column is not None and column.not_null
    if catalog.dialect != "postgresql":
        return [
            Step("rebuild_not_null", tuple(rebuild), not_null, "sqlite_rebuild", check=no_null_team)
        ]
    has_check = NOT_NULL_CHECK in catalog.checks
    return [
        Step(
            "add_not_null_check",
            (
                f"ALTER TABLE {SCORES} ADD CONSTRAINT {NOT_NULL_CHECK} "
                "CHECK (project_team_id IS NOT NULL) NOT VALID",
            ),
            not_null or has_check,
            check=no_null_team,
        ),
        Step(
            "validate_not_null_check",
            (f"ALTER TABLE {SCORES} VALIDATE CONSTRAINT {NOT_NULL_CHECK}",),
            not_null or catalog.checks.get(NOT_NULL_CHECK, False),
        ),
        Step(
            "set_not_null",
            (f"ALTER TABLE {SCORES} ALTER COLUMN project_team_id SET NOT NULL",),
            not_null,
        ),
        Step(
            "drop_not_null_check",
            (f"ALTER TABLE {SCORES} DROP CONSTRAINT {NOT_NULL_CHECK}",),
            not_null and not has_check,
        ),
    ]


def contract_steps(catalog: Catalog, rebuild: Sequence[str] = ()) -> list[Step]:
    return [*not_null_steps(catalog, rebuild), *unique_index_steps(catalog)]
