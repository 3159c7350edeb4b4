"""``teameval resolve duplicate-scores``: settle the ``duplicate_team_scores`` anomaly before the
contract's unique index on team scores.

For each (assessment, team key, criterion) with several team-score rows the highest id stays
(the row the legacy auto-save wrote last, the one every reader already used) and the others
move, whole, into ``archived_assessment_scores`` with ``reason = 'duplicate_team_score'``.
Nothing is lost: ``--restore`` moves them back, every column as it was. Dry run by default; with
``--commit`` batches of assessment ids, each one transaction that copies and deletes exactly
the same rows (``resolve_statements``), so a killed run leaves whole batches and a rerun
finishes the rest; a second run finds nothing. Which rows are excess is decided by
``duplicates.excess_team_score_rows``, the builder the audit counts with.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from teameval.migration.phase2.probe import (
    ARCHIVE,
    EXPAND_COMMAND,
    CouldNotRun,
    probe_assessment_schema,
)
from teameval.migration.phase2.resolve_statements import (
    Move,
    archive_batch,
    archived_totals,
    excess_totals,
    missing_archive_columns,
    restore_batch,
)
from teameval.migration.phase2.verify_statements import assessment_bounds
from teameval.migration.runner.batches import (
    KeyRange,
    ProgressCallback,
    ranges_by_width,
    run_batches,
)
from teameval.migration.runner.bookkeeping import RunBook
from teameval.migration.runner.database import Connection, Database, as_database
from teameval.migration.runner.report import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    import sqlalchemy as sa

TOOL_NAME = "resolve.duplicate_scores"
DEFAULT_BATCH_SIZE = 500  # assessments per batch (one transaction each)
BatchHook = Callable[[int], None]


@dataclass(frozen=True)
class BatchFailure:
    number: int  # 1-based, as shown to operators
    assessment_id_from: int | None
    assessment_id_to: int | None  # exclusive
    error: str


@dataclass(frozen=True)
class ResolveResult:
    dry_run: bool
    restore: bool = False
    groups: int = 0  # duplicate groups in scope before the run (archived ones with --restore)
    to_archive: int = 0  # excess rows in scope before the run
    archived: int = 0  # rows this run moved into the archive (0 in a dry run)
    to_restore: int = 0  # with --restore: archived duplicates in scope before the run
    restored: int = 0  # with --restore: rows this run moved back
    archive_table: bool = True  # whether archived_assessment_scores exists
    batches: int = 0
    batches_committed: int = 0
    failed_batch: BatchFailure | None = None
    school_id: int | None = None
    shape: str = "legacy"
    migration_run_id: int | None = None
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return EXIT_FAILED if self.failed_batch else EXIT_OK

    @property
    def status(self) -> str:
        if self.failed_batch:
            return "failed"
        return "dry_run" if self.dry_run else "completed"

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "dry_run": self.dry_run,
            "status": self.status,
            "exit_code": self.exit_code,
            "school_id": self.school_id,
            "shape": self.shape,
            "groups": self.groups,
            "to_archive": self.to_archive,
            "archived": self.archived,
        }
        if self.restore:
            document |= {"to_restore": self.to_restore, "restored": self.restored}
        return document | {
            "archive_table": self.archive_table,
            "batches": self.batches,
            "batches_committed": self.batches_committed,
            "failed_batch": None if self.failed_batch is None else asdict(self.failed_batch),
            "migration_run_id": self.migration_run_id,
            "seconds": round(self.seconds, 3),
        }


def _planned(
    connection: Connection,
    *,
    school_id: int | None,
    commit: bool,
    restore: bool,
    batch_size: int,
) -> tuple[ResolveResult, Any, list[KeyRange]]:
    """What the run will do, read before any batch; raises :class:`CouldNotRun` when it
    cannot write (only a committing run needs the archive table)."""
    schema = probe_assessment_schema(connection)
    base = ResolveResult(dry_run=not commit, restore=restore, school_id=school_id)
    if schema.shape == "ours":
        # Keyed by project team from the start, with a unique index on team scores.
        return replace(base, shape="ours"), schema, []
    if not schema.has_archive:
        if commit and not restore:
            raise CouldNotRun(f"table {ARCHIVE} does not exist: run `{EXPAND_COMMAND}` first")
        if restore:
            return replace(base, archive_table=False), schema, []  # nothing was ever archived
        totals = connection.one(excess_totals(schema, school_id, None))
        return (
            replace(
                base,
                archive_table=False,
                groups=int(totals.groups),
                to_archive=int(totals.excess_rows),
            ),
            schema,
            [],
        )
    missing = missing_archive_columns(schema)
    if missing and commit:
        raise CouldNotRun(
            f"table {ARCHIVE} has no column {missing[0]!r} of project_assessment_scores: a "
            "move would lose it; add the column to the archive first"
        )
    if restore:
        totals = connection.one(archived_totals(schema, school_id, None))
        base = replace(base, groups=int(totals.groups), to_restore=int(totals.archived_rows))
    else:
        totals = connection.one(excess_totals(schema, school_id, None))
        base = replace(base, groups=int(totals.groups), to_archive=int(totals.excess_rows))
    bounds = connection.one(assessment_bounds(schema))
    ranges = ranges_by_width(bounds.low, bounds.high, batch_size)
    return replace(base, batches=len(ranges)), schema, ranges


def _move(connection: Connection, move: Move) -> int:
    if move.delete is None:
        return len(connection.rows(move.copy))
    copied = connection.rowcount(move.copy)
    deleted = connection.rowcount(move.delete)
    if deleted != copied:
        # Never delete a row that was not copied, nor keep a copy of one still there.
        raise RuntimeError(f"copied {copied} rows but deleted {deleted}; rolled back")
    return copied


def run_resolve(
    engine: Database | sa.Engine,
    *,
    school_id: int | None = None,
    commit: bool = False,
    restore: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: ProgressCallback | None = None,
    after_batch_written: BatchHook | None = None,
) -> ResolveResult:
    started = time.monotonic()
    database = as_database(engine)
    with database.read() as connection:
        result, schema, ranges = _planned(
            connection,
            school_id=school_id,
            commit=commit,
            restore=restore,
            batch_size=batch_size,
        )
    if not commit:
        return replace(result, seconds=time.monotonic() - started)
    book = RunBook(
        tool=TOOL_NAME + (".restore" if restore else ""),
        actor_label="cli:resolve",
        enabled=schema.has_bookkeeping,
        parameters={"school_id": school_id, "restore": restore, "commit": True},
    )
    with database.begin() as connection:
        book.start(connection, school_id)
    result = replace(result, migration_run_id=book.run_id)

    def write(connection: Connection, number: int, keys: KeyRange) -> ResolveResult:
        if restore:
            moved = _move(connection, restore_batch(schema, school_id, keys))
            progressed = replace(result, restored=result.restored + moved)
        else:
            moved = _move(connection, archive_batch(schema, school_id, keys))
            progressed = replace(result, archived=result.archived + moved)
        if after_batch_written is not None:
            after_batch_written(number)
        progressed = replace(
            progressed, batches_committed=number, seconds=time.monotonic() - started
        )
        book.progress(connection, progressed.to_json())
        return progressed

    def committed(_number: int, progressed: ResolveResult) -> None:
        nonlocal result
        result = progressed

    stop = run_batches(database, ranges, write, committed, on_progress=on_progress)
    if stop is not None:
        failure = BatchFailure(stop.number, stop.keys.low, stop.keys.high, stop.error)
        result = replace(result, failed_batch=failure)
    result = replace(result, seconds=time.monotonic() - started)
    with database.begin() as connection:
        book.finish(connection, result.status, result.to_json())
    return result


def command(
    database_url: str | None,
    school: int | None,
    json_output: bool,
    commit: bool,
    restore: bool = False,
) -> int:
    from teameval.cli.output import print_json, report_console, resolve_database_url
    from teameval.migration.runner.command import (
        fault_injection_hook,
        open_database,
        progress_bar,
    )

    url = resolve_database_url(database_url)
    show_progress = commit and not json_output and sys.stdout.isatty()
    with open_database(url, json_output) as database, progress_bar(show_progress) as on_progress:
        result = run_resolve(
            database,
            school_id=school,
            commit=commit,
            restore=restore,
            on_progress=on_progress,
            after_batch_written=fault_injection_hook(),
        )
    if json_output:
        print_json(result.to_json())
    else:
        from teameval.migration.runner.report import display_url

        render(report_console(), result, database=display_url(url))
    return result.exit_code


def render(console: Any, result: ResolveResult, *, database: str) -> None:
    from rich import box
    from rich.table import Table

    mode = "DRY RUN (nothing written)" if result.dry_run else "COMMIT"
    what = "restore archived duplicate scores" if result.restore else "duplicate team scores"
    scope = f"school {result.school_id}" if result.school_id is not None else "all schools"
    console.print(f"[bold]Resolve {what}[/bold] of {database} ({scope}): {mode}")
    table = Table(box=box.SIMPLE_HEAD if console.is_terminal else box.ASCII, show_header=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows: list[tuple[str, object]] = [("duplicate groups", result.groups)]
    if result.restore:
        rows += [("archived rows to move back", result.to_restore), ("restored", result.restored)]
    else:
        rows += [("excess rows to archive", result.to_archive), ("archived", result.archived)]
    if not result.dry_run:
        rows.append(("batches", f"{result.batches_committed}/{result.batches}"))
    rows.append(("seconds", f"{result.seconds:.2f}"))
    for label, value in rows:
        table.add_row(label, str(value))
    console.print(table)
    failed = result.failed_batch
    if failed is not None:
        console.print(
            f"[bold red]Batch {failed.number} of {result.batches} failed[/bold red] "
            f"(assessments {failed.assessment_id_from or 'start'} to "
            f"{failed.assessment_id_to or 'end'}): {failed.error}\nIt was rolled back; the "
            f"{result.batches_committed} batch(es) before it stay committed. Fix the cause and "
            "run the same command again: it continues where this run stopped."
        )
    elif result.shape == "ours":
        console.print("Assessments are keyed by project team here: nothing to resolve.")
    elif not result.archive_table and not result.restore:
        console.print(
            f"[bold]Next:[/bold] the archive table does not exist yet: run `{EXPAND_COMMAND}`, "
            "then this command with `--commit`."
        )
    elif result.dry_run and (result.to_archive or result.to_restore):
        console.print(
            "[bold]Next:[/bold] back up the database, then run again with `--commit`. The "
            "highest id of each group stays; the others move to archived_assessment_scores "
            "(`--restore --commit` moves them back)."
        )
    elif result.dry_run:
        console.print("[bold]Next:[/bold] nothing to do.")
    else:
        console.print("[bold]Next:[/bold] audit again with `teameval audit assessments`.")
