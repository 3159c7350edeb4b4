"""``teameval legacy restore ARCHIVE``: bring the retired tables, columns and rows back exactly.

The archive is read first, every member checked against its manifest (a changed or truncated
file is refused, exit 2, naming each problem). Refused too: an archive of another engine, one
that is not the archive this database was retired with (``legacy_state.archive_sha256``), and a
database that has any of its tables or columns already. The dry run lists what would be made.

With ``--commit``, in one transaction: the tables with every row (ids included), the columns with
their values (by the table's key; rows made since the retirement get NULL), every constraint,
index, trigger and sequence as archived (PostgreSQL: each sequence past the highest id); then
each member is read back from the database and its checksum compared with the manifest, and the
state marked restored with legacy groups on again (``dual-write``). Anything different: rolled
back, nothing changed, exit 2.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from teameval.migration.phase6 import postgres_schema, sqlite_schema
from teameval.migration.phase6.archive import Archive, ArchiveError, read_archive
from teameval.migration.phase6.catalog import column_names, quote, table_names
from teameval.migration.phase6.rows import RowSource, digest_of
from teameval.migration.phase6.state import LegacyState, legacy_state, record_restore
from teameval.migration.phase6.transaction import NotCommitted, one_transaction, with_retries
from teameval.migration.runner.bookkeeping import RunBook, has_bookkeeping
from teameval.migration.runner.database import as_connection, first_line
from teameval.migration.runner.report import EXIT_FAILED, EXIT_OK
from teameval.migration.runner.sqlalchemy_database import SqlAlchemyDatabase

TOOL_NAME = "legacy.restore"
INSERT_BATCH = 1000


@dataclass(frozen=True)
class RestoreResult:
    dry_run: bool
    archive_path: str
    archive: Archive | None = None
    problems: tuple[str, ...] = ()
    state: LegacyState | None = None
    migration_run_id: int | None = None
    seconds: float = 0.0
    done: bool = False

    @property
    def status(self) -> str:
        if self.problems:
            return "refused" if not self.done else "failed"
        return "completed" if self.done else "dry_run"

    @property
    def exit_code(self) -> int:
        return EXIT_FAILED if self.problems else EXIT_OK

    def to_json(self) -> dict[str, Any]:
        parts = [] if self.archive is None else self.archive.parts
        return {
            "dry_run": self.dry_run,
            "status": self.status,
            "exit_code": self.exit_code,
            "archive": {
                "path": self.archive_path,
                "sha256": None if self.archive is None else self.archive.sha256,
                "created_at": None if self.archive is None else self.archive.manifest["created_at"],
                "source": None if self.archive is None else self.archive.manifest["source"],
            },
            "problems": list(self.problems),
            "recreates": [
                {
                    "kind": part["kind"],
                    "table": part["table"],
                    "column": part.get("column"),
                    "rows": part["rows"],
                    "sha256": part["sha256"],
                }
                for part in parts
            ],
            "state": None if self.state is None else self.state.to_json(),
            "migration_run_id": self.migration_run_id,
            "seconds": round(self.seconds, 3),
        }


def _refusals(connection: sa.Connection, archive: Archive, state: LegacyState) -> list[str]:
    problems = []
    engine = archive.manifest["engine"]
    if engine != connection.dialect.name:
        problems.append(
            f"the archive was made on {engine}, this database is {connection.dialect.name}"
        )
        return problems
    if state.archive_sha256 and state.retired and state.archive_sha256 != archive.sha256:
        problems.append(
            f"this database was retired with archive {state.archive_name} "
            f"(SHA-256 {state.archive_sha256}), not this one ({archive.sha256})"
        )
    present = table_names(as_connection(connection))
    for part in archive.parts:
        table = part["table"]
        if part["kind"] == "table" and table in present:
            problems.append(f"table {table} exists already: nothing to restore there")
        if part["kind"] == "column":
            if table not in present:
                problems.append(f"table {table}, which holds column {part['column']}, is missing")
            elif part["column"] in column_names(as_connection(connection), table):
                problems.append(f"column {table}.{part['column']} exists already")
    return problems


def _batches(rows: Any) -> Any:
    iterator = iter(rows)
    while batch := list(islice(iterator, INSERT_BATCH)):
        yield batch


def _load_table(connection: sa.Connection, archive: Archive, part: dict[str, Any]) -> None:
    table, columns = part["table"], tuple(part["columns"])
    if connection.dialect.name == "postgresql":
        sql = postgres_schema.insert_sql(table, columns, part["ddl"])
    else:
        listed = ", ".join(quote(c) for c in columns)
        placeholders = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {quote(table)} ({listed}) VALUES ({placeholders})"
    for batch in _batches(archive.rows(part["member"])):
        connection.exec_driver_sql(sql, batch)


def _restore_postgres(connection: sa.Connection, archive: Archive) -> None:
    tables = [p for p in archive.parts if p["kind"] == "table"]
    columns = [p for p in archive.parts if p["kind"] == "column"]
    for part in reversed(tables):  # archived in drop order: made in the other
        postgres_schema.create_table(connection, part["table"], part["ddl"])
        _load_table(connection, archive, part)
    for part in columns:
        table, column = part["table"], part["column"]
        postgres_schema.add_column(connection, table, column, part["ddl"])
        values = list(archive.rows(part["member"]))
        postgres_schema.fill_column(connection, table, column, tuple(part["key"]), values)
        postgres_schema.finish_column(connection, table, column, part["ddl"])
    for part in [*reversed(tables), *columns]:
        postgres_schema.add_constraints(
            connection, part["table"], part["ddl"]["constraints"], foreign=False
        )
        postgres_schema.add_indexes(connection, part["ddl"]["indexes"])
    for part in [*reversed(tables), *columns]:
        postgres_schema.add_constraints(
            connection, part["table"], part["ddl"]["constraints"], foreign=True
        )
    for part in reversed(tables):
        postgres_schema.add_triggers(connection, part["ddl"]["triggers"])
        postgres_schema.set_sequences(connection, part["table"], part["ddl"])


def _restore_sqlite(connection: sa.Connection, archive: Archive) -> None:
    tables = [p for p in archive.parts if p["kind"] == "table"]
    for part in reversed(tables):
        ddl = part["ddl"]
        connection.exec_driver_sql(ddl["create_table"])
        _load_table(connection, archive, part)
        for statement in [*ddl["indexes"], *ddl["triggers"]]:
            connection.exec_driver_sql(statement)
        if ddl["sequence"] is not None:
            sqlite_schema.set_sequence(connection, part["table"], ddl["sequence"])
    for part in archive.parts:
        if part["kind"] == "column":
            values = list(archive.rows(part["member"]))
            sqlite_schema.restore_column(
                connection, part["table"], part["column"], part["ddl"], tuple(part["key"]), values
            )
    problems = sqlite_schema.foreign_key_problems(connection)
    if problems:
        raise NotCommitted(f"PRAGMA foreign_key_check: {'; '.join(problems[:5])}")


def _compare(connection: sa.Connection, archive: Archive) -> None:
    """Every member read back from the database must be the archived bytes."""
    problems = []
    for part in archive.parts:
        source = RowSource(
            part["table"],
            tuple(part["columns"]),
            tuple(part["key"]),
            not_null=part.get("column") if part["kind"] == "column" else None,
        )
        rows, sha = digest_of(connection, source)
        if (rows, sha) != (part["rows"], part["sha256"]):
            problems.append(
                f"{part['member']}: restored {rows} rows with SHA-256 {sha}, archived "
                f"{part['rows']} with {part['sha256']}"
            )
    if problems:
        raise NotCommitted("the restored rows differ from the archive: " + "; ".join(problems))


def _restore_once(database: SqlAlchemyDatabase, archive: Archive) -> int | None:
    with one_transaction(database) as (connection, raw):
        state = legacy_state(connection)
        problems = _refusals(raw, archive, state)
        if problems:
            raise NotCommitted("; ".join(problems))
        if raw.dialect.name == "postgresql":
            _restore_postgres(raw, archive)
        else:
            _restore_sqlite(raw, archive)
        _compare(raw, archive)
        book = RunBook(
            tool=TOOL_NAME,
            actor_label="cli:legacy restore",
            enabled=has_bookkeeping(table_names(connection)),
            parameters={"archive": str(archive.path), "sha256": archive.sha256},
        )
        book.start(connection, None)
        if state.tracked:
            record_restore(connection)
        book.finish(connection, "completed", {"archive": str(archive.path)})
    return book.run_id


def run_restore(engine: sa.Engine, path: Path, *, commit: bool) -> RestoreResult:
    started = time.monotonic()
    database = SqlAlchemyDatabase(engine)
    result = RestoreResult(dry_run=not commit, archive_path=str(path))
    with engine.connect() as connection:  # first: an unusable database is exit 3
        state = legacy_state(connection)
        try:
            archive = read_archive(path)
        except ArchiveError as error:
            return _timed(replace(result, problems=tuple(error.problems), state=state), started)
        problems = _refusals(connection, archive, state)
    result = replace(result, archive=archive, state=state, problems=tuple(problems))
    if problems or not commit:
        return _timed(result, started)
    try:
        run_id = with_retries(lambda: _restore_once(database, archive))
    except NotCommitted as error:
        return _timed(replace(result, problems=(str(error),), done=True), started)
    except sa.exc.SQLAlchemyError as error:
        failure = f"rolled back, nothing changed: {first_line(error)}"
        return _timed(replace(result, problems=(failure,), done=True), started)
    with engine.connect() as connection:
        state = legacy_state(connection)
    return _timed(replace(result, done=True, state=state, migration_run_id=run_id), started)


def _timed(result: RestoreResult, started: float) -> RestoreResult:
    return replace(result, seconds=time.monotonic() - started)
