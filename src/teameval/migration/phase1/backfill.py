"""Enrollment backfill: give every eligible active membership an active enrollment.

Dry run by default (one counting statement, nothing written). With ``commit`` the students are
split into id ranges; each range is one transaction running the shared statement builders, so an
interrupted run leaves whole batches committed and a rerun finishes the rest (the statements only
ever touch pairs that still lack an active enrollment). Anomalies are counted and skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from teameval.migration.phase1 import queries
from teameval.migration.phase1.probe import CouldNotRun, EnrollmentSchema, probe_enrollment_schema
from teameval.migration.runner.batches import (
    KeyRange,
    ProgressCallback,
    ranges_by_width,
    run_batches,
)
from teameval.migration.runner.bookkeeping import RunBook
from teameval.migration.runner.database import Connection, Database, as_connection, as_database
from teameval.migration.runner.report import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    import sqlalchemy as sa

StudentRange = KeyRange  # batches of the backfill are ranges of student ids

TOOL_NAME = "backfill.enrollments"
DEFAULT_BATCH_SIZE = 50_000

# Called inside each batch's transaction after its writes, before the commit (tests use it to
# fail or kill a run at a precise point; it is not part of any operator-facing behaviour).
BatchHook = Callable[[int], None]


@dataclass(frozen=True)
class Tally:
    eligible_pairs: int = 0
    already_active: int = 0
    to_create: int = 0
    to_reactivate: int = 0
    created: int = 0
    reactivated: int = 0
    non_student_member: int = 0
    cross_school: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            **{name: getattr(self, name) + getattr(other, name) for name in Tally.__annotations__}
        )


@dataclass(frozen=True)
class BatchFailure:
    number: int  # 1-based, as shown to operators
    student_id_from: int | None
    student_id_to: int | None  # exclusive
    error: str


@dataclass(frozen=True)
class BackfillResult:
    dry_run: bool
    tally: Tally
    batches: int
    batches_committed: int
    seconds: float
    school_id: int | None = None
    batch_size: int | None = None
    failed_batch: BatchFailure | None = None
    migration_run_id: int | None = None
    schema_kind: str = "ours"
    batches_retried: int = 0  # tries again of a batch that lost a race (runner.batches)

    @property
    def exit_code(self) -> int:
        return EXIT_FAILED if self.failed_batch else EXIT_OK

    @property
    def status(self) -> str:
        if self.failed_batch:
            return "failed"
        return "dry_run" if self.dry_run else "completed"

    def to_json(self) -> dict[str, Any]:
        t = self.tally
        return {
            "dry_run": self.dry_run,
            "status": self.status,
            "exit_code": self.exit_code,
            "school_id": self.school_id,
            "eligible_pairs": t.eligible_pairs,
            "already_active": t.already_active,
            "to_create": t.to_create,
            "to_reactivate": t.to_reactivate,
            "created": t.created,
            "reactivated": t.reactivated,
            "skipped": {"non_student_member": t.non_student_member, "cross_school": t.cross_school},
            "batches": self.batches,
            "batches_committed": self.batches_committed,
            "batches_retried": self.batches_retried,
            "batch_size": self.batch_size,
            "failed_batch": None if self.failed_batch is None else asdict(self.failed_batch),
            "migration_run_id": self.migration_run_id,
            "schema": self.schema_kind,
            "seconds": round(self.seconds, 3),
        }


def _tally_from_counts(row: Any) -> Tally:
    active = int(row.enrolled_active)
    inactive = int(row.enrolled_inactive)
    missing = int(row.missing)
    return Tally(
        eligible_pairs=active + inactive + missing,
        already_active=active,
        to_create=missing,
        to_reactivate=inactive,
        non_student_member=int(row.non_student),
        cross_school=int(row.cross_school),
    )


def plan_ranges(
    connection: Connection,
    schema: EnrollmentSchema,
    *,
    batch_size: int | None,
) -> list[StudentRange]:
    """Student id ranges of ``batch_size`` ids each, between the lowest and highest id of an
    active member (two index look-ups). The first and last ranges are open-ended so students
    added while the run goes on are still covered. Not narrowed to a school (``--school``): a
    range with no pair of that school is a cheap empty batch (its statements filter exactly)."""
    if not batch_size:
        return [StudentRange()]
    bounds = connection.one(queries.student_id_bounds(schema))
    return ranges_by_width(bounds.low, bounds.high, batch_size)


def _planned(
    connection: Connection,
    schema: EnrollmentSchema,
    *,
    school_id: int | None,
    commit: bool,
    batch_size: int | None,
) -> tuple[BackfillResult, list[StudentRange]]:
    """The run's batches, and its result before any batch ran."""
    ranges = plan_ranges(connection, schema, batch_size=batch_size)
    base = BackfillResult(
        dry_run=not commit,
        tally=Tally(),
        batches=len(ranges),
        batches_committed=0,
        seconds=0.0,
        school_id=school_id,
        batch_size=batch_size or None,
        schema_kind="ours" if schema.has_bookkeeping else "legacy",
    )
    return base, ranges


def _dry_run_tally(
    connection: Connection, schema: EnrollmentSchema, *, school_id: int | None
) -> Tally:
    return _tally_from_counts(connection.one(queries.category_totals(schema, school_id=school_id)))


def plan_backfill(
    connection: Connection | sa.Connection,
    *,
    school_id: int | None = None,
    batch_size: int | None = DEFAULT_BATCH_SIZE,
) -> BackfillResult:
    """What ``backfill enrollments`` without ``--commit`` reports, on a connection the caller
    holds (the web UI's migration page: its request's transaction). Only reads."""
    started = time.monotonic()
    connection = as_connection(connection)
    schema = probe_enrollment_schema(connection)
    base, _ranges = _planned(
        connection, schema, school_id=school_id, commit=False, batch_size=batch_size
    )
    tally = _dry_run_tally(connection, schema, school_id=school_id)
    return replace(base, tally=tally, seconds=time.monotonic() - started)


def _write_batch(
    connection: Connection,
    schema: EnrollmentSchema,
    *,
    school_id: int | None,
    students: StudentRange,
) -> Tally:
    if schema.dialect == "postgresql":
        row = connection.one(
            queries.postgres_backfill_batch(schema, school_id=school_id, students=students)
        )
        return replace(
            _tally_from_counts(row), created=int(row.created), reactivated=int(row.reactivated)
        )
    # Without xmax to tell inserts from updates: reactivate first, which takes SQLite's single
    # write lock, so nobody can write between these statements and every count is exact.
    reactivated = connection.rowcount(
        queries.reactivate_inactive(schema, school_id=school_id, students=students)
    )
    after_update = _tally_from_counts(
        connection.one(queries.category_totals(schema, school_id=school_id, students=students))
    )
    created = connection.rowcount(
        queries.insert_missing(schema, school_id=school_id, students=students)
    )
    return replace(
        after_update,
        already_active=after_update.already_active - reactivated,
        to_reactivate=after_update.to_reactivate + reactivated,
        created=created,
        reactivated=reactivated,
    )


def run_backfill(
    engine: Database | sa.Engine,
    *,
    school_id: int | None = None,
    commit: bool = False,
    batch_size: int | None = DEFAULT_BATCH_SIZE,
    on_progress: ProgressCallback | None = None,
    after_batch_written: BatchHook | None = None,
) -> BackfillResult:
    """Backfill enrollments; raises :class:`CouldNotRun` when the database cannot be used."""
    started = time.monotonic()
    database = as_database(engine)
    with database.read() as connection:
        schema = probe_enrollment_schema(connection)
        if commit and schema.unfillable_enrollment_columns:
            column = schema.unfillable_enrollment_columns[0]
            raise CouldNotRun(
                f"course_enrollments.{column} is NOT NULL without a default and unknown to "
                "the backfill; it cannot create enrollments here"
            )
        base, ranges = _planned(
            connection, schema, school_id=school_id, commit=commit, batch_size=batch_size
        )
        if not commit:
            tally = _dry_run_tally(connection, schema, school_id=school_id)
            return replace(base, tally=tally, seconds=time.monotonic() - started)

    book = RunBook(
        tool=TOOL_NAME,
        actor_label="cli:backfill",
        enabled=schema.has_bookkeeping,
        parameters={"school_id": school_id, "batch_size": batch_size or None, "commit": True},
    )
    with database.begin() as connection:
        book.start(connection, school_id)
    result = replace(base, migration_run_id=book.run_id)

    def write(connection: Connection, number: int, students: StudentRange) -> BackfillResult:
        tally = _write_batch(connection, schema, school_id=school_id, students=students)
        if after_batch_written is not None:
            after_batch_written(number)
        progressed = replace(
            result,
            tally=result.tally + tally,
            batches_committed=number,
            seconds=time.monotonic() - started,
        )
        book.progress(connection, progressed.to_json())
        return progressed

    def committed(_number: int, progressed: BackfillResult) -> None:
        nonlocal result
        result = progressed

    def retried(_number: int, _error: str) -> None:
        nonlocal result
        result = replace(result, batches_retried=result.batches_retried + 1)

    stop = run_batches(
        database, ranges, write, committed, on_progress=on_progress, on_retry=retried
    )
    if stop is not None:
        failure = BatchFailure(stop.number, stop.keys.low, stop.keys.high, stop.error)
        result = replace(result, failed_batch=failure)
    result = replace(result, seconds=time.monotonic() - started)
    with database.begin() as connection:
        book.finish(connection, result.status, result.to_json())
    return result
