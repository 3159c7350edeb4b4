"""`teameval backfill enrollments`: dry run, commit, idempotence, scope, bookkeeping, batches,
interruption and resume."""

from __future__ import annotations

import json
import signal
import subprocess
from typing import Any

import sqlalchemy as sa

from teameval.db import make_engine
from teameval.migration.phase1.backfill import run_backfill
from teameval.migration.runner.cli import FAIL_AFTER_ENV, KILL_AFTER_ENV
from tests.cli_helpers import run_teameval
from tests.migration.conftest import cli
from tests.migration.dataset import (
    INACTIVE_PAIRS,
    MISSING_PAIRS,
    enrollment_rows,
    load_crafted,
    table_contents,
)

BOOKKEEPING = ("migration_runs", "audit_logs")


def _contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = make_engine(url)
    with engine.connect() as connection:
        contents = table_contents(connection)
    engine.dispose()
    return contents


def _enrollments(url: str) -> dict[tuple[int, int], bool]:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = enrollment_rows(connection)
    engine.dispose()
    return rows


def _backfill(url: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = cli("backfill", "enrollments", "--database-url", url, "--json", *args, env=env)
    document = result.json()
    assert document["exit_code"] == result.exit_code
    return document


def _killed_backfill(
    url: str, *, after_batches: int, as_json: bool = False
) -> subprocess.CompletedProcess[str]:
    """A committing run in its own process, SIGKILLed after ``after_batches`` batches of one."""
    args = ["backfill", "enrollments", "--commit", "--batch-size", "1", "--database-url", url]
    return run_teameval(
        *args,
        *(["--json"] if as_json else []),
        env={KILL_AFTER_ENV: str(after_batches)},
        timeout=60,
    )


def test_dry_run_reports_and_changes_nothing(any_shape_url: str) -> None:
    before = _contents(any_shape_url)
    document = _backfill(any_shape_url)
    assert _contents(any_shape_url) == before
    assert document["dry_run"] is True
    counts = {
        k: document[k]
        for k in (
            "eligible_pairs",
            "already_active",
            "to_create",
            "to_reactivate",
            "created",
            "reactivated",
            "skipped",
        )
    }
    assert counts == {
        "eligible_pairs": 7,
        "already_active": 3,
        "to_create": 3,
        "to_reactivate": 1,
        "created": 0,
        "reactivated": 0,
        "skipped": {"non_student_member": 2, "cross_school": 2},
    }


def test_commit_creates_and_reactivates_exactly_the_eligible_pairs(any_shape_url: str) -> None:
    before = _enrollments(any_shape_url)
    document = _backfill(any_shape_url, "--commit", "--batch-size", "3")
    assert (document["created"], document["reactivated"]) == (3, 1)
    assert (document["to_create"], document["to_reactivate"], document["already_active"]) == (
        3,
        1,
        3,
    )
    assert document["skipped"] == {"non_student_member": 2, "cross_school": 2}
    assert document["batches"] == document["batches_committed"] == 4  # 10 students, 3 a batch
    after = _enrollments(any_shape_url)
    assert set(after) - set(before) == MISSING_PAIRS  # anomalies never enrolled
    assert all(after[pair] for pair in MISSING_PAIRS | INACTIVE_PAIRS)
    audit = cli("audit", "enrollments", "--database-url", any_shape_url, "--json")
    assert (audit.json()["missing"], audit.json()["enrolled_inactive"]) == (0, 0)
    assert (audit.json()["status"], audit.exit_code) == ("WARNING", 1)  # only anomalies left


def test_commit_then_audit_passes(clean_url: str) -> None:
    assert _backfill(clean_url, "--commit")["created"] == 3
    audit = cli("audit", "enrollments", "--database-url", clean_url, "--json")
    assert (audit.json()["status"], audit.json()["coverage_percent"], audit.exit_code) == (
        "PASS",
        100.0,
        0,
    )


def test_second_commit_changes_nothing(any_shape_url: str) -> None:
    _backfill(any_shape_url, "--commit", "--batch-size", "2")
    before = _contents(any_shape_url)
    again = _backfill(any_shape_url, "--commit", "--batch-size", "2")
    assert (again["created"], again["reactivated"], again["to_create"]) == (0, 0, 0)
    assert again["already_active"] == 7
    after = _contents(any_shape_url)
    for table in set(before) - set(BOOKKEEPING):
        assert after[table] == before[table], table


def test_school_scope_writes_only_that_school(any_shape_url: str) -> None:
    before = _enrollments(any_shape_url)
    document = _backfill(any_shape_url, "--commit", "--school", "2")
    assert (document["created"], document["reactivated"], document["eligible_pairs"]) == (1, 0, 2)
    assert document["skipped"] == {"non_student_member": 0, "cross_school": 2}
    assert set(_enrollments(any_shape_url)) - set(before) == {(10, 20)}


def test_new_enrollments_get_school_and_timestamps_and_the_run_is_recorded(
    crafted_url: str,
) -> None:
    document = _backfill(crafted_url, "--commit", "--school", "1")
    engine = make_engine(crafted_url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT student_id, course_id, school_id, created_at, updated_at "
                "FROM course_enrollments WHERE (student_id, course_id) IN ((2, 10), (3, 11))"
            )
        ).all()
        assert {(r.student_id, r.course_id, r.school_id) for r in rows} == {(2, 10, 1), (3, 11, 1)}
        assert all(r.created_at is not None and r.updated_at is not None for r in rows)
        run = connection.execute(sa.text("SELECT * FROM migration_runs")).one()
        assert (run.tool, run.status, run.school_id, bool(run.dry_run)) == (
            "backfill.enrollments",
            "completed",
            1,
            False,
        )
        assert run.id == document["migration_run_id"]
        assert run.finished_at is not None
        log = connection.execute(sa.text("SELECT * FROM audit_logs")).one()
        assert (log.actor_label, log.action, log.entity_type, log.entity_id, log.school_id) == (
            "cli:backfill",
            "backfill.enrollments",
            "migration_run",
            run.id,
            1,
        )
    engine.dispose()


def test_dry_run_records_nothing(crafted_url: str) -> None:
    _backfill(crafted_url)
    contents = _contents(crafted_url)
    assert contents["migration_runs"] == contents["audit_logs"] == []


def test_legacy_database_gets_only_enrollment_rows(legacy_url: str) -> None:
    before = _contents(legacy_url)
    assert _backfill(legacy_url, "--commit")["schema"] == "legacy"
    after = _contents(legacy_url)
    assert set(after) == set(before)  # no table created, no migration applied
    assert {t for t in after if after[t] != before[t]} == {"course_enrollments"}
    engine = make_engine(legacy_url)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("course_enrollments")}
    engine.dispose()
    assert columns == {"id", "course_id", "student_id", "active"}


def test_legacy_timestamps_without_defaults_are_filled(empty_db_url: str) -> None:
    load_crafted(empty_db_url, legacy=True, timestamps=True)
    document = _backfill(empty_db_url, "--commit")
    assert (document["created"], document["reactivated"]) == (3, 1)
    engine = make_engine(empty_db_url)
    with engine.connect() as connection:
        stamps = connection.execute(
            sa.text(
                "SELECT created_at, updated_at FROM course_enrollments "
                "WHERE student_id = 4 AND course_id = 11"
            )
        ).one()
    engine.dispose()
    assert str(stamps.created_at).startswith("2025-01-01")  # kept on reactivation
    assert not str(stamps.updated_at).startswith("2025-01-01")  # but marked as updated


def test_human_report(any_shape_url: str) -> None:
    dry = cli("backfill", "enrollments", "--database-url", any_shape_url)
    assert dry.exit_code == 0
    assert "DRY RUN" in dry.stdout
    assert "--commit" in dry.stdout
    done = cli("backfill", "enrollments", "--database-url", any_shape_url, "--commit")
    assert done.exit_code == 0
    assert "COMMIT" in done.stdout
    assert "teameval audit enrollments" in done.stdout


def test_a_failing_batch_rolls_back_alone_and_a_rerun_completes(any_shape_url: str) -> None:
    # One student per batch: batch 1 = student 1 (already enrolled), 2 = student 2, 3 = student 3.
    env = {FAIL_AFTER_ENV: "2"}
    result = cli(
        "backfill",
        "enrollments",
        "--database-url",
        any_shape_url,
        "--json",
        "--commit",
        "--batch-size",
        "1",
        env=env,
    )
    assert result.exit_code == 2
    document = result.json()
    assert document["status"] == "failed"
    assert document["batches_committed"] == 2
    failed = document["failed_batch"]
    assert (failed["number"], failed["student_id_from"], failed["student_id_to"]) == (3, 3, 4)
    assert "simulated failure" in failed["error"]
    rows = _enrollments(any_shape_url)
    assert (2, 10) in rows  # batch 2 stays committed
    assert (3, 11) not in rows  # batch 3 rolled back whole
    human = cli(
        "backfill",
        "enrollments",
        "--database-url",
        any_shape_url,
        "--commit",
        "--batch-size",
        "1",
        env={FAIL_AFTER_ENV: "0"},
    )
    assert human.exit_code == 2
    assert "Batch 1 of 11 failed" in human.stdout  # ids 1 to 11, one id a batch
    rerun = _backfill(any_shape_url, "--commit", "--batch-size", "1")
    assert (rerun["created"], rerun["reactivated"], rerun["exit_code"]) == (2, 1, 0)


def test_killed_run_leaves_whole_batches_and_a_rerun_completes(
    any_shape_url: str, backend: str
) -> None:
    killed = _killed_backfill(any_shape_url, after_batches=3, as_json=True)
    assert killed.returncode == -signal.SIGKILL
    rows = _enrollments(any_shape_url)
    # Batches 2 and 3 (students 2 and 3) committed; batch 4 (student 4's reactivation) died
    # between its write and its commit, so nothing of it is there.
    assert rows[(2, 10)]
    assert rows[(3, 11)]
    assert rows[(4, 11)] is False
    assert (10, 20) not in rows
    rerun = _backfill(any_shape_url, "--commit", "--batch-size", "1")
    assert (rerun["created"], rerun["reactivated"]) == (1, 1)
    audit = cli("audit", "enrollments", "--database-url", any_shape_url, "--json").json()
    assert (audit["missing"], audit["enrolled_inactive"]) == (0, 0)


def test_killed_run_on_our_schema_is_recorded_as_running(crafted_url: str) -> None:
    assert _killed_backfill(crafted_url, after_batches=1).returncode == -9
    engine = make_engine(crafted_url)
    with engine.connect() as connection:
        run = connection.execute(sa.text("SELECT status, result FROM migration_runs")).one()
    engine.dispose()
    result = run.result if isinstance(run.result, dict) else json.loads(run.result)
    assert run.status == "running"
    assert result["batches_committed"] == 1


def test_without_batches_one_transaction(any_shape_url: str) -> None:
    document = _backfill(any_shape_url, "--commit", "--batch-size", "0")
    assert (document["batches"], document["created"], document["reactivated"]) == (1, 3, 1)


def test_function_counts_match_on_both_paths(any_shape_url: str) -> None:
    """The runner called directly (the path the CLI wraps) with a progress callback."""
    engine = make_engine(any_shape_url)
    seen: list[tuple[int, int]] = []
    result = run_backfill(
        engine, commit=True, batch_size=4, on_progress=lambda d, t: seen.append((d, t))
    )
    engine.dispose()
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert (result.tally.created, result.tally.reactivated, result.exit_code) == (3, 1, 0)


def test_negative_batch_size_is_a_usage_error(any_shape_url: str) -> None:
    result = cli("backfill", "enrollments", "--database-url", any_shape_url, "--batch-size", "-1")
    assert result.exit_code == 2  # Click's usage-error code; nothing ran
    assert result.stdout == ""
    assert "--batch-size" in result.stderr
