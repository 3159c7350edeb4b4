"""``teameval legacy retire``: check every gate, archive the legacy tables and columns, then
remove them, in one transaction.

Dry run (the default): the gates and what would be archived and removed. With ``--commit`` and
no gate failing, in one transaction: take the tables (PostgreSQL: SHARE locks, so nobody writes
them meanwhile; SQLite: the write lock), find the plan again and check the legacy mode is still
off, write the archive from those rows, flush it to disk, read it back and compare every
member's rows and checksum with the database, then remove the legacy tables and columns, record
the retirement in ``legacy_state`` (and a migration run with its audit row) and commit. The
archive holds exactly what was removed: nobody could change those rows in between. A try that
fails before the commit removes the archive it wrote (nothing was removed) and, when it only
waited too long for a lock, is tried again.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from teameval.migration.phase6 import sqlite_schema
from teameval.migration.phase6.archive import (
    Archive,
    ArchiveError,
    Member,
    Progress,
    read_archive,
    write_archive,
)
from teameval.migration.phase6.catalog import quote, table_names
from teameval.migration.phase6.gates import DEFAULT_QUIET_DAYS, Gate, retirement_gates
from teameval.migration.phase6.plan import RetirementPlan, find_plan
from teameval.migration.phase6.rows import count_rows
from teameval.migration.phase6.state import (
    LegacyState,
    legacy_state,
    mode_decision,
    record_retirement,
)
from teameval.migration.phase6.transaction import NotCommitted, one_transaction, with_retries
from teameval.migration.runner.bookkeeping import RunBook, has_bookkeeping
from teameval.migration.runner.report import EXIT_FAILED, EXIT_OK
from teameval.migration.runner.sqlalchemy_database import SqlAlchemyDatabase

if TYPE_CHECKING:
    from teameval.config import Settings

TOOL_NAME = "legacy.retire"


@dataclass(frozen=True)
class RetireResult:
    dry_run: bool
    quiet_days: int
    gates: tuple[Gate, ...] = ()
    plan: RetirementPlan | None = None
    state: LegacyState | None = None
    archive: Archive | None = None
    members: tuple[Member, ...] = ()
    failure: str | None = None
    migration_run_id: int | None = None
    seconds: float = 0.0
    archive_path: str | None = None

    @property
    def refused(self) -> bool:
        return any(gate.failed for gate in self.gates)

    @property
    def status(self) -> str:
        if self.failure is not None:
            return "failed"
        if self.archive is not None:
            return "completed"
        if self.state is not None and self.state.retired:
            return "already_retired"
        if self.plan is not None and self.plan.empty:
            return "nothing_to_do"
        if self.refused:
            return "refused"
        return "dry_run"

    @property
    def exit_code(self) -> int:
        return EXIT_FAILED if self.status in {"refused", "failed"} else EXIT_OK

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "status": self.status,
            "exit_code": self.exit_code,
            "quiet_days": self.quiet_days,
            "gates": [gate.to_json() for gate in self.gates],
            "failing_gates": [gate.name for gate in self.gates if gate.failed],
            "plan": None if self.plan is None else self.plan.to_json(),
            "archive": None
            if self.archive is None
            else {
                "path": str(self.archive.path),
                "sha256": self.archive.sha256,
                "members": [vars(member) for member in self.members],
            },
            "archive_path": self.archive_path,
            "state": None if self.state is None else self.state.to_json(),
            "failure": self.failure,
            "migration_run_id": self.migration_run_id,
            "seconds": round(self.seconds, 3),
        }


def absolute(path: Path) -> str:
    """The path as the archive and ``legacy_state`` record it: absolute, links followed.
    (``os.path.realpath`` rather than ``Path.resolve``: the access-by-hand check,
    tests/test_access_by_hand.py, reads any call named ``resolve`` as an access check.)"""
    return os.path.realpath(path)


def source_identity(connection: sa.Connection) -> dict[str, Any]:
    """Which database the archive came from, as far as the connection can tell."""
    if connection.dialect.name == "postgresql":
        row = connection.exec_driver_sql(
            "SELECT current_database() AS name, inet_server_addr()::text AS host, "
            "inet_server_port() AS port, current_schema() AS schema, "
            "current_setting('server_version') AS version"
        ).one()
        return {"engine": "postgresql", **row._asdict()}
    path = connection.engine.url.database or ""
    return {
        "engine": "sqlite",
        "path": absolute(Path(path)) if path and path != ":memory:" else path,
        "version": connection.exec_driver_sql("SELECT sqlite_version()").scalar(),
    }


def default_archive_path(source: dict[str, Any]) -> Path:
    name = source.get("name") or Path(str(source.get("path") or "teameval")).stem
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return Path.cwd() / f"teameval-legacy-archive-{name}-{stamp}.zip"


def _verify(
    connection: sa.Connection, plan: RetirementPlan, written: list[Member], path: Path
) -> Archive:
    """The archive read back: each member's bytes and rows as written, and as many rows as the
    database holds now."""
    archive = read_archive(path)  # checks every member against the manifest
    problems = []
    for part, member in zip(plan.parts(), written, strict=True):
        listed = next(p for p in archive.parts if p["member"] == member.name)
        if (listed["rows"], listed["sha256"]) != (member.rows, member.sha256):
            problems.append(f"{member.name}: read back differently from what was written")
        in_database = count_rows(connection, part.source)
        if in_database != member.rows:
            problems.append(
                f"{member.name}: {member.rows} rows archived, {in_database} in the database"
            )
    if problems:
        raise ArchiveError(problems)
    return archive


def _remove(connection: sa.Connection, plan: RetirementPlan) -> None:
    for column in plan.columns:
        if plan.dialect == "sqlite":
            sqlite_schema.drop_column(connection, column.table, column.column)
        else:
            connection.exec_driver_sql(
                f"ALTER TABLE {quote(column.table)} DROP COLUMN {quote(column.column)}"
            )
    for table in plan.tables:
        connection.exec_driver_sql(f"DROP TABLE {quote(table.name)}")
    if plan.dialect == "sqlite":
        problems = sqlite_schema.foreign_key_problems(connection)
        if problems:
            raise NotCommitted(f"PRAGMA foreign_key_check: {'; '.join(problems[:5])}")


def _shape_of(plan: RetirementPlan) -> list[str]:
    return [part.member for part in plan.parts()]


def _retire_once(
    database: SqlAlchemyDatabase,
    expected: RetirementPlan,
    path: Path,
    source: dict[str, Any],
    settings: Settings | None,
    on_progress: Progress | None,
) -> tuple[Archive, list[Member], int | None]:
    with one_transaction(database) as (connection, raw):
        if expected.dialect == "postgresql":
            involved = sorted(
                {t.name for t in expected.tables} | {c.table for c in expected.columns}
            )
            raw.exec_driver_sql(f"LOCK TABLE {', '.join(quote(t) for t in involved)} IN SHARE MODE")
        plan = find_plan(raw)
        if _shape_of(plan) != _shape_of(expected):
            raise NotCommitted("the legacy tables or columns changed since the check: run again")
        if plan.shape == "ours":
            mode = mode_decision(connection, settings).mode
            if mode != "off":
                raise NotCommitted(f"the legacy mode is {mode} now, no longer off: nothing changed")
        archive, members = write_archive(path, raw, plan, source, on_progress)
        archive = _verify(raw, plan, members, path)
        _remove(raw, plan)
        book = RunBook(
            tool=TOOL_NAME,
            actor_label="cli:legacy retire",
            enabled=has_bookkeeping(table_names(connection)),
            parameters={"archive": str(path)},
        )
        book.start(connection, None)
        if plan.shape == "ours":
            name = absolute(path)
            record_retirement(connection, name if len(name) <= 500 else path.name, archive.sha256)
        book.finish(
            connection,
            "completed",
            {"archive": str(path), "sha256": archive.sha256, "plan": plan.to_json()},
        )
    return archive, members, book.run_id


def run_retire(
    engine: sa.Engine,
    *,
    commit: bool,
    quiet_days: int = DEFAULT_QUIET_DAYS,
    archive_path: Path | None = None,
    settings: Settings | None = None,
    on_progress: Progress | None = None,
) -> RetireResult:
    started = time.monotonic()
    database = SqlAlchemyDatabase(engine)
    with engine.connect() as connection:
        state = legacy_state(connection)
        result = RetireResult(dry_run=not commit, quiet_days=quiet_days, state=state)
        if state.retired:
            return result
        plan = find_plan(connection)
        if plan.empty:
            return RetireResult(dry_run=not commit, quiet_days=quiet_days, plan=plan)
        gates = tuple(retirement_gates(connection, quiet_days=quiet_days, settings=settings))
        source = source_identity(connection)
    path = archive_path or default_archive_path(source)
    result = RetireResult(
        dry_run=not commit, quiet_days=quiet_days, gates=gates, plan=plan, archive_path=str(path)
    )
    if not commit or result.refused:
        return _timed(result, started)
    if path.exists():
        return _timed(
            _failed(result, f"{path} exists already: choose another --archive path"), started
        )

    def attempt() -> tuple[Archive, list[Member], int | None]:
        return _retire_once(database, plan, path, source, settings, on_progress)

    def forget_archive() -> None:
        # Rolled back: nothing was removed, so the archive of this try describes nothing.
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".partial").unlink(missing_ok=True)

    try:
        archive, members, run_id = with_retries(attempt, after_failed_attempt=forget_archive)
    except ArchiveError as error:
        return _timed(_failed(result, "the archive: " + "; ".join(error.problems)), started)
    except (NotCommitted, sqlite_schema.RestoreRefused) as error:
        return _timed(_failed(result, str(error)), started)
    except sa.exc.SQLAlchemyError as error:
        from teameval.migration.runner.database import first_line

        return _timed(
            _failed(result, f"rolled back, nothing changed: {first_line(error)}"), started
        )
    with engine.connect() as connection:
        state = legacy_state(connection)
    return _timed(
        RetireResult(
            dry_run=False,
            quiet_days=quiet_days,
            gates=gates,
            plan=plan,
            archive=archive,
            members=tuple(members),
            migration_run_id=run_id,
            archive_path=str(path),
            state=None if not state.tracked else state,
        ),
        started,
    )


def _failed(result: RetireResult, failure: str) -> RetireResult:
    return replace(result, failure=failure)


def _timed(result: RetireResult, started: float) -> RetireResult:
    return replace(result, seconds=time.monotonic() - started)
