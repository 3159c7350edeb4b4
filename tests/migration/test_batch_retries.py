"""A batch the database rolls back to break a deadlock or a serialization conflict is tried again
(it kept nothing); any other failure stops the run at once; the retries are bounded.

On PostgreSQL the race is the server's own error (``RAISE … USING ERRCODE``, SQLSTATE 40P01 or
40001, through SQLAlchemy and through the lean psycopg path); SQLite has no such error, so there
the batch raises one carrying the SQLSTATE. Each batch writes a row first, so the table shows
that a rolled-back try left nothing and a retried batch committed once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from rich.console import Console

from teameval.db import make_engine
from teameval.migration.phase1.backfill import run_backfill
from teameval.migration.phase1.report import render_backfill
from teameval.migration.runner.batches import (
    BATCH_RETRIES,
    RETRY_PAUSE_SECONDS,
    KeyRange,
    run_batches,
)
from teameval.migration.runner.database import Connection, Database, as_database
from teameval.migration.runner.psycopg_database import PsycopgDatabase
from teameval.migration.runner.statement_cache import StatementCache
from tests.migration.dataset import INACTIVE_PAIRS, MISSING_PAIRS

RANGES = [KeyRange(None, 10), KeyRange(10, 20), KeyRange(20, None)]


class _SqliteRace(Exception):
    """What a driver reports for a transaction the server rolled back (SQLite never does)."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"simulated SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


@pytest.fixture(params=["sqlalchemy", "psycopg"])
def database(request: pytest.FixtureRequest, empty_db_url: str, backend: str) -> Iterator[Database]:
    engine = make_engine(empty_db_url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE written (batch INTEGER NOT NULL UNIQUE)"))
    if request.param == "sqlalchemy":
        yield as_database(engine)
    elif backend != "postgresql":
        pytest.skip("the lean psycopg path is PostgreSQL's")
    else:
        lean = PsycopgDatabase(empty_db_url, StatementCache(None))
        yield lean
        lean.close()
    engine.dispose()


def _raise(connection: Connection, sqlstate: str) -> None:
    if connection.dialect == "postgresql":
        connection.raw(f"DO $$ BEGIN RAISE EXCEPTION 'lost' USING ERRCODE = '{sqlstate}'; END $$")
    raise _SqliteRace(sqlstate)


def _writer(fail: Callable[[int, int], str | None]) -> Callable[[Connection, int, Any], int]:
    """A batch that records itself, then fails with ``fail(batch, attempt)``'s SQLSTATE."""
    attempts: dict[int, int] = {}

    def write(connection: Connection, number: int, _keys: Any) -> int:
        attempts[number] = attempts.get(number, 0) + 1
        connection.raw(f"INSERT INTO written (batch) VALUES ({number})")
        sqlstate = fail(number, attempts[number])
        if sqlstate is not None:
            _raise(connection, sqlstate)
        return number

    return write


def _written(database: Database) -> list[int]:
    with database.read() as connection:
        return [row[0] for row in connection.raw("SELECT batch FROM written ORDER BY batch")]


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_batch_that_lost_a_race_is_tried_again_and_commits_once(
    database: Database, sqlstate: str
) -> None:
    retries: list[tuple[int, str]] = []
    committed: list[int] = []
    pauses: list[float] = []
    write = _writer(lambda batch, attempt: sqlstate if batch == 2 and attempt <= 2 else None)
    stop = run_batches(
        database,
        RANGES,
        write,
        lambda number, value: committed.append(value),
        on_retry=lambda number, error: retries.append((number, error)),
        sleep=pauses.append,
    )
    assert stop is None
    assert committed == [1, 2, 3]
    assert [number for number, _error in retries] == [2, 2]
    assert all("lost" in error or sqlstate in error for _number, error in retries)
    assert pauses == [RETRY_PAUSE_SECONDS, RETRY_PAUSE_SECONDS * 2]
    # The two rolled-back tries of batch 2 left nothing; each batch committed once (the unique
    # column would have refused a second row of batch 2 had a try been kept).
    assert _written(database) == [1, 2, 3]


def test_a_batch_losing_every_race_stops_after_the_retries(database: Database) -> None:
    retries: list[int] = []
    pauses: list[float] = []
    stop = run_batches(
        database,
        RANGES,
        _writer(lambda batch, attempt: "40P01" if batch == 2 else None),
        lambda number, value: None,
        on_retry=lambda number, error: retries.append(number),
        sleep=pauses.append,
    )
    assert stop is not None
    assert (stop.number, stop.keys) == (2, RANGES[1])
    assert retries == [2] * BATCH_RETRIES
    assert pauses == [RETRY_PAUSE_SECONDS * 2**n for n in range(BATCH_RETRIES)]
    assert _written(database) == [1]  # batch 1 stays; batch 2 never committed; 3 never ran


def test_any_other_failure_stops_at_once(database: Database) -> None:
    retries: list[int] = []

    def write(connection: Connection, number: int, _keys: Any) -> int:
        connection.raw(f"INSERT INTO written (batch) VALUES ({min(number, 2)})")
        return number

    # Batch 3 writes batch 2's row again: a unique-key error, not a race.
    stop = run_batches(
        database,
        RANGES,
        write,
        lambda number, value: None,
        on_retry=lambda number, error: retries.append(number),
        sleep=lambda seconds: pytest.fail("no pause: nothing is retried"),
    )
    assert stop is not None
    assert stop.number == 3
    assert "unique" in stop.error.lower()
    assert retries == []
    assert _written(database) == [1, 2]


def test_the_backfill_counts_a_retried_batch_once_and_says_it_retried(crafted_url: str) -> None:
    """Every batch loses its first try after writing: the counts are still exactly what was
    committed (a rolled-back try's tally is not kept), and the result and report say so."""
    tried: set[int] = set()

    def lose_the_first_try(number: int) -> None:
        if number not in tried:
            tried.add(number)
            raise _SqliteRace("40P01")

    engine = make_engine(crafted_url)
    result = run_backfill(engine, commit=True, batch_size=3, after_batch_written=lose_the_first_try)
    engine.dispose()
    assert (result.exit_code, result.batches, result.batches_committed) == (0, 4, 4)
    assert result.batches_retried == 4
    assert (result.tally.created, result.tally.reactivated) == (
        len(MISSING_PAIRS),
        len(INACTIVE_PAIRS),
    )
    assert result.to_json()["batches_retried"] == 4
    console = Console(record=True, width=120)
    render_backfill(console, result, database="test")
    assert "4/4 (4 retried after a deadlock or conflict)" in console.export_text()
