"""`teameval resolve duplicate-scores` (issue 12, command 4) on both engines: the dry run changes
nothing, a commit moves exactly the excess rows whole into the archive and keeps the highest id,
a rerun changes nothing, --restore gives back exactly the original table, batches commit on
their own. Rows and counts: tests/migration/phase2/scores_fixture.py."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from teameval.db import make_engine
from teameval.migration.phase2.resolve import run_resolve
from teameval.migration.runner.command import KILL_AFTER_ENV
from tests.migration.conftest import cli
from tests.migration.phase2.scores_fixture import (
    EXCESS_ROWS,
    EXCESS_SCHOOL_1,
    build,
    execute,
    rows_by_id,
    table_contents,
)

TEAMEVAL = str(Path(sys.executable).with_name("teameval"))
SCORES = "project_assessment_scores"
ARCHIVE = "archived_assessment_scores"
DRY_ALL = {
    "dry_run": True,
    "status": "dry_run",
    "exit_code": 0,
    "school_id": None,
    "shape": "legacy",
    "groups": 4,
    "to_archive": 4,
    "archived": 0,
    "archive_table": True,
    "batches": 1,
    "batches_committed": 0,
    "failed_batch": None,
    "migration_run_id": None,
}


@pytest.fixture
def keyed_url(empty_db_url: str) -> str:
    return build(empty_db_url)


def resolve(url: str, *options: str) -> tuple[int, dict[str, Any]]:
    result = cli("resolve", "duplicate-scores", "--database-url", url, "--json", *options)
    document = result.json()
    document.pop("seconds", None)
    return result.exit_code, document


def test_dry_run_counts_and_changes_nothing(keyed_url: str) -> None:
    before = table_contents(keyed_url)
    assert resolve(keyed_url) == (0, DRY_ALL)
    assert resolve(keyed_url, "--school", "1") == (
        0,
        {**DRY_ALL, "school_id": 1, "groups": 3, "to_archive": 3},
    )
    assert resolve(keyed_url, "--school", "2") == (
        0,
        {**DRY_ALL, "school_id": 2, "groups": 1, "to_archive": 1},
    )
    assert table_contents(keyed_url) == before


def test_commit_moves_exactly_the_excess_rows_whole(keyed_url: str) -> None:
    original = rows_by_id(keyed_url, SCORES)
    code, document = resolve(keyed_url, "--commit")
    assert code == 0
    assert document == {
        **DRY_ALL,
        "dry_run": False,
        "status": "completed",
        "archived": 4,
        "batches_committed": 1,
    }
    remaining = rows_by_id(keyed_url, SCORES)
    assert remaining == {i: row for i, row in original.items() if i not in EXCESS_ROWS}
    assert set(EXCESS_ROWS.values()) <= set(remaining)  # the highest id of each group stays
    archived = rows_by_id(keyed_url, ARCHIVE)
    assert set(archived) == set(EXCESS_ROWS)
    for score_id, row in archived.items():
        assert row.pop("reason") == "duplicate_team_score"
        assert row.pop("archived_at") is not None
        assert row == original[score_id]  # every column, as it was


def test_rerun_changes_nothing(keyed_url: str) -> None:
    assert resolve(keyed_url, "--commit")[0] == 0
    after_first = table_contents(keyed_url)
    code, document = resolve(keyed_url, "--commit")
    assert (code, document["groups"], document["to_archive"], document["archived"]) == (0, 0, 0, 0)
    assert table_contents(keyed_url) == after_first


def test_restore_gives_back_exactly_the_original_table(keyed_url: str) -> None:
    before = table_contents(keyed_url)
    resolve(keyed_url, "--commit")
    archived = table_contents(keyed_url)
    code, document = resolve(keyed_url, "--restore")
    assert (code, document["to_restore"], document["restored"], document["groups"]) == (0, 4, 0, 4)
    assert table_contents(keyed_url) == archived  # the restore's dry run wrote nothing
    code, document = resolve(keyed_url, "--restore", "--commit")
    assert (code, document["restored"], document["archived"]) == (0, 4, 0)
    assert table_contents(keyed_url) == before
    # And the duplicates are back for another resolve.
    assert resolve(keyed_url)[1]["to_archive"] == 4


def test_school_scope_archives_and_restores_only_that_school(keyed_url: str) -> None:
    original = rows_by_id(keyed_url, SCORES)
    assert resolve(keyed_url, "--school", "2", "--commit")[1]["archived"] == 1
    assert set(rows_by_id(keyed_url, ARCHIVE)) == {15}
    assert resolve(keyed_url, "--commit")[1]["archived"] == 3
    assert set(rows_by_id(keyed_url, ARCHIVE)) == set(EXCESS_ROWS)
    assert resolve(keyed_url, "--school", "1", "--restore", "--commit")[1]["restored"] == 3
    assert set(rows_by_id(keyed_url, ARCHIVE)) == {15}
    scores = rows_by_id(keyed_url, SCORES)
    assert scores == {i: row for i, row in original.items() if i != 15}
    assert set(EXCESS_SCHOOL_1) <= set(scores)


def test_verify_still_passes_after_resolving(keyed_url: str) -> None:
    # The dual read already counts the highest id of a group: moving the others changes no
    # student's score through either path.
    resolve(keyed_url, "--commit")
    result = cli("verify", "assessments", "--database-url", keyed_url, "--json")
    assert (result.exit_code, result.json()["mismatches"]) == (0, 0)


def test_each_batch_commits_on_its_own_and_a_rerun_finishes(keyed_url: str) -> None:
    engine = make_engine(keyed_url)
    original = rows_by_id(keyed_url, SCORES)

    def fail_in_second_batch(number: int) -> None:
        if number == 2:
            raise RuntimeError("simulated failure")

    # Batches of two assessments: [.., 3) holds rows 1, 10, 12; [3, 5) holds row 15.
    result = run_resolve(
        engine, commit=True, batch_size=2, after_batch_written=fail_in_second_batch
    )
    assert (result.exit_code, result.archived, result.batches_committed) == (2, 3, 1)
    assert result.failed_batch is not None
    assert "simulated failure" in result.failed_batch.error
    assert set(rows_by_id(keyed_url, ARCHIVE)) == {1, 10, 12}
    assert set(rows_by_id(keyed_url, SCORES)) == set(original) - {1, 10, 12}
    again = run_resolve(engine, commit=True, batch_size=2)
    assert (again.exit_code, again.to_archive, again.archived) == (0, 1, 1)
    assert set(rows_by_id(keyed_url, ARCHIVE)) == set(EXCESS_ROWS)
    engine.dispose()


def test_before_expansion_the_dry_run_counts_and_commit_refuses(empty_db_url: str) -> None:
    url = build(empty_db_url, expanded=False)
    before = table_contents(url)
    assert resolve(url) == (0, {**DRY_ALL, "archive_table": False, "batches": 0})
    result = cli("resolve", "duplicate-scores", "--database-url", url, "--commit")
    assert result.exit_code == 3
    assert "archived_assessment_scores" in result.stderr
    assert "teameval expand assessments --commit" in result.stderr
    assert table_contents(url) == before


def test_an_archive_missing_a_column_is_refused(keyed_url: str) -> None:
    execute(keyed_url, f"ALTER TABLE {ARCHIVE} DROP COLUMN comment")
    before = table_contents(keyed_url)
    result = cli("resolve", "duplicate-scores", "--database-url", keyed_url, "--commit")
    assert result.exit_code == 3
    assert "'comment'" in result.stderr
    assert table_contents(keyed_url) == before


def test_human_report(keyed_url: str) -> None:
    result = cli("resolve", "duplicate-scores", "--database-url", keyed_url)
    assert result.exit_code == 0
    assert "DRY RUN" in result.stdout
    assert "--commit" in result.stdout


def test_our_schema_has_nothing_to_resolve_and_records_the_run(db_url: str) -> None:
    code, document = resolve(db_url)
    assert (code, document["shape"], document["groups"], document["to_archive"]) == (
        0,
        "ours",
        0,
        0,
    )
    engine = make_engine(db_url)
    runs = sa.text("SELECT id, tool, status, dry_run FROM migration_runs ORDER BY id")
    with engine.connect() as connection:
        # A retired database (the suite's retired pass) holds the retirement's run already.
        earlier = connection.execute(runs).all()
    code, document = resolve(db_url, "--commit")
    assert (code, document["archived"]) == (0, 0)
    with engine.connect() as connection:
        after = connection.execute(runs).all()
    engine.dispose()
    assert after[: len(earlier)] == earlier
    assert [(r.id, r.tool, r.status, r.dry_run) for r in after[len(earlier) :]] == [
        (document["migration_run_id"], "resolve.duplicate_scores", "completed", False)
    ]


EXTRA_ASSESSMENTS = range(100, 160)
ROWS_PER_GROUP = 4


def test_concurrent_writers_lose_nothing(backend: str, keyed_url: str) -> None:
    """PostgreSQL, the application writing while resolve runs one assessment per batch: one
    thread keeps updating the duplicate rows, another keeps adding later duplicates. Every row
    ends in exactly one table, with the value its last committed update gave it (an archived
    copy is the row version deleted, never an older one); a rerun settles the duplicates added
    behind the run; --restore brings every row back with those values."""
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing runs concurrently")
    execute(
        keyed_url,
        "INSERT INTO project_assessments (id, school_id, project_id, group_id, rubric_id, title) "
        f"SELECT a, 1, 1, 100, 1, 'A' || a FROM generate_series({EXTRA_ASSESSMENTS.start}, "
        f"{EXTRA_ASSESSMENTS.stop - 1}) a",
    )
    execute(
        keyed_url,
        "INSERT INTO project_assessment_scores (school_id, assessment_id, criterion_id, "
        "team_number, score, comment) SELECT 1, a, 1, 1, 1, 'seed' "
        f"FROM generate_series({EXTRA_ASSESSMENTS.start}, {EXTRA_ASSESSMENTS.stop - 1}) a, "
        f"generate_series(1, {ROWS_PER_GROUP}) r",
    )
    original = rows_by_id(keyed_url, SCORES)
    values = {i: row["score"] for i, row in original.items()}  # the last committed value
    inserted: set[int] = set()
    done = threading.Event()
    failures: list[BaseException] = []
    engine = make_engine(keyed_url)

    def update_rows() -> None:
        ids = sorted(i for i, row in original.items() if row["assessment_id"] >= 100)
        randomness = random.Random(12)
        while not done.is_set():
            score_id = randomness.choice(ids)
            with engine.begin() as connection:
                new = connection.execute(
                    sa.text(
                        "UPDATE project_assessment_scores SET score = score + 1 WHERE id = :i "
                        "RETURNING score"
                    ),
                    {"i": score_id},
                ).scalar()
            if new is not None:
                values[score_id] = new

    def add_duplicates() -> None:
        randomness = random.Random(34)
        while not done.is_set():
            with engine.begin() as connection:
                new_id = connection.execute(
                    sa.text(
                        "INSERT INTO project_assessment_scores (school_id, assessment_id, "
                        "criterion_id, team_number, score) VALUES (1, :a, 1, 1, 7) RETURNING id"
                    ),
                    {"a": randomness.choice(EXTRA_ASSESSMENTS)},
                ).scalar_one()
            inserted.add(new_id)
            values[new_id] = 7

    def guarded(work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                work()
            except BaseException as error:  # reported by the test, not lost in the thread
                failures.append(error)

        return run

    writers = [threading.Thread(target=guarded(w)) for w in (update_rows, add_duplicates)]
    for writer in writers:
        writer.start()
    try:
        result = run_resolve(engine, commit=True, batch_size=1)
    finally:
        done.set()
        for writer in writers:
            writer.join(timeout=30)
    assert not failures
    assert result.exit_code == 0
    assert result.archived >= len(EXTRA_ASSESSMENTS) * (ROWS_PER_GROUP - 1)
    assert len(inserted) > 0  # the writers did run alongside

    def check_every_row_once() -> None:
        scores, archive = rows_by_id(keyed_url, SCORES), rows_by_id(keyed_url, ARCHIVE)
        assert not set(scores) & set(archive)
        assert set(scores) | set(archive) == set(original) | inserted
        assert {i: r["score"] for i, r in {**scores, **archive}.items()} == values

    check_every_row_once()
    settled = run_resolve(engine, commit=True)  # the duplicates added behind the run
    check_every_row_once()
    assert run_resolve(engine).to_archive == 0
    assert settled.archived == settled.to_archive
    restored = run_resolve(engine, commit=True, restore=True)
    assert restored.restored == result.archived + settled.archived
    assert rows_by_id(keyed_url, ARCHIVE) == {}
    assert {i: r["score"] for i, r in rows_by_id(keyed_url, SCORES).items()} == values
    engine.dispose()


def test_killed_mid_batch_then_rerun_completes(keyed_url: str) -> None:
    # SIGKILL after the first batch's move, before its commit: nothing of it stays, and the
    # same command run again does the whole job.
    before = table_contents(keyed_url)
    killed = subprocess.run(
        [TEAMEVAL, "resolve", "duplicate-scores", "--commit", "--database-url", keyed_url],
        env={**os.environ, KILL_AFTER_ENV: "0"},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL
    assert table_contents(keyed_url) == before
    code, document = resolve(keyed_url, "--commit")
    assert (code, document["archived"]) == (0, 4)
    assert set(rows_by_id(keyed_url, ARCHIVE)) == set(EXCESS_ROWS)
