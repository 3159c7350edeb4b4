"""``teameval backfill assessments``: key every legacy team key by its project team.

Per batch of assessment ids, in one transaction: decide the batch's keys (``plan``), create
the teams to create with their members, write the junction rows, key the score rows still
without a project team (one set-based UPDATE), and give an assessment with exactly one key its
project team (and project) where those were NULL. A killed or failed run leaves whole batches
committed; a rerun finishes the rest (every write only touches what is still to do).
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from teameval.migration.phase2 import writes
from teameval.migration.phase2.backfill_result import (
    BackfillResult,
    assessments_to_link,
    tally,
)
from teameval.migration.phase2.keys import Decisions, State, TeamKey
from teameval.migration.phase2.plan import NO_DECISIONS, assessment_ranges, plan_batch
from teameval.migration.phase2.probe import (
    EXPAND_COMMAND,
    AssessmentSchema,
    CouldNotRun,
    probe_assessment_schema,
)
from teameval.migration.runner.batches import KeyRange, ProgressCallback, run_batches
from teameval.migration.runner.bookkeeping import RunBook
from teameval.migration.runner.command import BatchHook
from teameval.migration.runner.database import Connection, Database

TOOL_NAME = "backfill assessments"
DEFAULT_BATCH_SIZE = 500
# pg_advisory_xact_lock key of a backfill batch (any constant; "phase 2" in digits).
BATCH_LOCK = 7_120_002


def _write_batch(
    connection: Connection,
    schema: AssessmentSchema,
    keys: list[TeamKey],
    *,
    school_id: int | None,
    batch: KeyRange,
    created: set[int],
    result: BackfillResult,
) -> None:
    clock = time.monotonic()
    slots: dict[tuple[int, int], list[TeamKey]] = {}
    for key in keys:
        if key.state is State.TO_CREATE and key.project_id is not None:
            assert key.team_number is not None
            slots.setdefault((key.project_id, key.team_number), []).append(key)
    for (project_id, number), slot_keys in sorted(slots.items()):
        first = min(slot_keys, key=lambda k: k.assessment_id)
        team_id = connection.scalar(
            writes.insert_team(
                schema,
                {
                    "school_id": first.school_id,
                    "project_id": project_id,
                    "team_id": first.group_id,
                    "display_name_at_time": f"Team {number}",
                    "team_number": number,
                    "version": 1,
                    "backfill_source": "migration",
                },
            )
        )
        created.add(int(team_id))
        members = sorted(first.members)
        connection.execute_many(
            writes.insert_members(schema),
            [
                {"school_id": first.school_id, "project_team_id": team_id, "user_id": user}
                for user in members
            ],
        )
        result.created += 1
        result.members_added += len(members)
        for key in slot_keys:
            key.project_team_id, key.source = int(team_id), "created"
    now = time.monotonic()
    result.step_seconds["teams"] += now - clock
    clock = now

    links = [key for key in keys if key.state in (State.TO_LINK, State.TO_CREATE)]
    connection.execute_many(
        writes.insert_links(schema),
        [
            {
                "school_id": key.school_id,
                "project_assessment_id": key.assessment_id,
                "project_team_id": key.project_team_id,
                "team_number": key.team_number,
                "source": key.source or "linked",
            }
            for key in links
        ],
    )
    result.linked += sum(1 for key in links if key.source != "created")
    now = time.monotonic()
    result.step_seconds["links"] += now - clock
    clock = now

    for without_number in (False, True):
        if without_number and not any(k.team_number is None for k in keys):
            continue
        result.scores_updated += connection.rowcount(
            writes.update_scores(
                schema, school_id=school_id, assessments=batch, without_number=without_number
            )
        )
    now = time.monotonic()
    result.step_seconds["scores"] += now - clock
    clock = now

    for key in assessments_to_link(keys):
        assert key.project_team_id is not None
        result.assessments_linked += connection.rowcount(
            writes.set_assessment_column(
                schema, "project_team_id", key.assessment_id, key.project_team_id
            )
        )
        if key.project_id is not None and key.own_project_id is None:
            connection.rowcount(
                writes.set_assessment_column(
                    schema, "project_id", key.assessment_id, key.project_id
                )
            )
    result.step_seconds["assessments"] += time.monotonic() - clock


def _load_decisions(
    connection: Connection, schema: AssessmentSchema, path: Path | None
) -> Decisions:
    if path is None:
        return NO_DECISIONS
    from teameval.migration.phase2.decisions import load

    return load(connection, schema, path)


def run_backfill(
    database: Database,
    *,
    school_id: int | None = None,
    commit: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    decisions_file: Path | None = None,
    sample_limit: int = 10,
    on_progress: ProgressCallback | None = None,
    after_batch_written: BatchHook | None = None,
) -> BackfillResult:
    """Backfill (or, without ``commit``, plan) the phase 2 keys; raises
    :class:`CouldNotRun` when the database cannot be used."""
    started = time.monotonic()
    with database.read() as connection:
        schema = probe_assessment_schema(connection)
        result = BackfillResult(dry_run=not commit, shape=schema.shape)
        if schema.shape == "ours":
            return _finished(database, schema, result, commit, school_id, started)
        if commit and not schema.expanded:
            raise CouldNotRun(
                "the database is not expanded for phase 2 yet (no project_assessment_teams "
                f"or project_assessment_scores.project_team_id): run {EXPAND_COMMAND} first"
            )
        decisions = _load_decisions(connection, schema, decisions_file)
        result.decisions = len(decisions)
        ranges = assessment_ranges(connection, schema, batch_size)
        result.batches = len(ranges)
        if not commit:
            for batch in ranges:
                clock = time.monotonic()
                keys = plan_batch(
                    connection, schema, school_id=school_id, assessments=batch, decisions=decisions
                )
                result.step_seconds["plan"] += time.monotonic() - clock
                tally(result, keys, set(), sample_limit)
                result.assessments_to_link += len(assessments_to_link(keys))
            result.seconds = time.monotonic() - started
            return result

    created: set[int] = set()

    def write(connection: Connection, number: int, batch: KeyRange) -> BackfillResult:
        if connection.dialect == "postgresql":
            # Two backfills at once would each create the team of a (project, t) their own
            # batches share; taken per batch, the lock serialises their batches, and each plans
            # after the other's commit (SQLite has one writer at a time anyway).
            connection.raw(f"SELECT pg_advisory_xact_lock({BATCH_LOCK})")
        clock = time.monotonic()
        keys = plan_batch(
            connection,
            schema,
            school_id=school_id,
            assessments=batch,
            decisions=decisions,
            created=created,
        )
        result.step_seconds["plan"] += time.monotonic() - clock
        tally(result, keys, created, sample_limit)
        result.assessments_to_link += len(assessments_to_link(keys))
        _write_batch(
            connection,
            schema,
            keys,
            school_id=school_id,
            batch=batch,
            created=created,
            result=result,
        )
        if after_batch_written is not None:
            after_batch_written(number)
        return result

    def committed(number: int, _result: BackfillResult) -> None:
        result.batches_committed = number

    # A failed batch rolls back; its counts must not stay in the result.
    snapshot = _Snapshot(result, created)

    def guarded_write(connection: Connection, number: int, batch: KeyRange) -> BackfillResult:
        snapshot.take()
        try:
            return write(connection, number, batch)
        except BaseException:
            snapshot.restore()
            raise

    stop = run_batches(database, ranges, guarded_write, committed, on_progress=on_progress)
    if stop is not None:
        result.failed_batch = {
            "number": stop.number,
            "low": stop.keys.low,
            "high": stop.keys.high,
            "error": stop.error,
        }
    result.seconds = time.monotonic() - started
    return result


class _Snapshot:
    """The result's counts before a batch, to put back when the batch rolls back."""

    def __init__(self, result: BackfillResult, created: set[int]) -> None:
        self.result, self.created = result, created
        self.saved: dict[str, Any] = {}
        self.saved_created: set[int] = set()

    def take(self) -> None:
        self.saved = {
            name: (
                Counter(value)
                if isinstance(value, Counter)
                else dict(value)
                if isinstance(value, dict)
                else value
            )
            for name, value in vars(self.result).items()
        }
        self.saved_created = set(self.created)

    def restore(self) -> None:
        for name, value in self.saved.items():
            setattr(self.result, name, value)
        self.created.clear()
        self.created.update(self.saved_created)


def _finished(
    database: Database,
    schema: AssessmentSchema,
    result: BackfillResult,
    commit: bool,
    school_id: int | None,
    started: float,
) -> BackfillResult:
    """Our own schema: every assessment is keyed by project team already; a committed run
    is still recorded, so the record shows the phase was checked."""
    from teameval.migration.phase2.ours import finished_counts

    with database.read() as connection:
        counts = connection.one(finished_counts(schema, school_id))
    result.states[State.MAPPED.value] = int(counts.team_keys)
    result.seconds = time.monotonic() - started
    if commit and schema.has_bookkeeping:
        book = RunBook(
            tool=TOOL_NAME,
            actor_label="cli:backfill",
            enabled=True,
            parameters={"school_id": school_id, "commit": True},
        )
        with database.begin() as connection:
            book.start(connection, school_id)
            book.finish(connection, result.status, result.to_json())
        result.migration_run_id = book.run_id
    return result


def command(
    database_url: str | None = None,
    school: int | None = None,
    json_output: bool = False,
    limit: int = 10,
    commit: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    decisions: Path | None = None,
) -> int:
    import sys

    from teameval.cli.output import print_json, report_console, resolve_database_url
    from teameval.migration.runner.command import (
        fault_injection_hook,
        open_database,
        progress_bar,
    )

    url = resolve_database_url(database_url)
    show_progress = commit and not json_output and sys.stdout.isatty()
    with open_database(url, json_output) as database, progress_bar(show_progress) as on_progress:
        result = run_backfill(
            database,
            school_id=school,
            commit=commit,
            batch_size=batch_size,
            decisions_file=decisions,
            sample_limit=limit,
            on_progress=on_progress,
            after_batch_written=fault_injection_hook(),
        )
    if json_output:
        print_json(result.to_json())
    else:
        from teameval.migration.phase2.report import render_backfill
        from teameval.migration.runner.report import display_url

        render_backfill(report_console(), result, database=display_url(url))
    return result.exit_code
