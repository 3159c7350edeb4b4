"""Batched execution by key ranges: each batch is its own transaction, so a run that is killed
or fails leaves whole batches committed, and a rerun (whose statements only touch what is still
to do) finishes the rest."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from teameval.migration.runner.database import Connection, Database

if TYPE_CHECKING:
    import sqlalchemy as sa

T = TypeVar("T")
# Called as (batches done, batches in all) after each commit: the progress bar.
ProgressCallback = Callable[[int, int], None]
# Called as (batch number, the error in one line) before a batch is tried again.
RetryCallback = Callable[[int, str], None]

# A batch the database rolled back to break a deadlock (40P01) or a serialization conflict
# (40001) lost a race with another writer, not to a fault of its own: nothing of it was kept,
# so it is tried again, a few times, after a growing pause. Anything else stops the run.
RACE_SQLSTATES = frozenset({"40001", "40P01"})
BATCH_RETRIES = 3
RETRY_PAUSE_SECONDS = 0.1


@dataclass(frozen=True)
class KeyRange:
    """Half-open ``[low, high)`` range of keys; ``None`` leaves that side open."""

    low: int | None = None
    high: int | None = None

    @property
    def shape(self) -> tuple[bool, bool]:
        """Which sides are bounded: what changes a statement's SQL (the bounds are values)."""
        return self.low is not None, self.high is not None

    @property
    def values(self) -> dict[str, int]:
        """The bounds as the bind parameters :meth:`clause` names."""
        bounds = {"range_low": self.low, "range_high": self.high}
        return {name: value for name, value in bounds.items() if value is not None}

    def clause(self, column: sa.ColumnElement[Any]) -> list[sa.ColumnElement[bool]]:
        import sqlalchemy as sa

        # Named parameters, the same on every column a statement restricts: one value each.
        clauses: list[sa.ColumnElement[bool]] = []
        if self.low is not None:
            clauses.append(column >= sa.bindparam("range_low", self.low))
        if self.high is not None:
            clauses.append(column < sa.bindparam("range_high", self.high))
        return clauses


def ranges_from_starts(starts: Sequence[int]) -> list[KeyRange]:
    """Consecutive ranges starting at each of ``starts`` (sorted); the first and last are open
    so rows added while a run goes on are still covered."""
    bounds: list[int | None] = [None, *[int(s) for s in starts[1:]], None]
    return [KeyRange(low, high) for low, high in itertools.pairwise(bounds)]


def ranges_by_width(low: int | None, high: int | None, width: int) -> list[KeyRange]:
    """Ranges of ``width`` keys each from ``low`` to ``high`` (inclusive; from a ``min``/``max``,
    so planning costs two index look-ups, not a scan); one open range when there are no keys or
    no ``width``. As :func:`ranges_from_starts`, the first and last ranges are open."""
    if low is None or high is None or width <= 0:
        return [KeyRange()]
    count = (int(high) - int(low)) // width + 1
    return ranges_from_starts([int(low) + number * width for number in range(count)])


@dataclass(frozen=True)
class BatchStop:
    """The batch that failed (1-based number, its range) and why, in one line."""

    number: int
    keys: KeyRange
    error: str


def lost_a_race(error: BaseException) -> bool:
    """Whether the database rolled the batch back to let a concurrent writer through."""
    original = getattr(error, "orig", None) or error  # SQLAlchemy wraps the driver's error
    return getattr(original, "sqlstate", None) in RACE_SQLSTATES


def one_line(error: BaseException) -> str:
    return " ".join(str(getattr(error, "orig", None) or error).split())[:500]


def run_batches(
    database: Database,
    ranges: Sequence[KeyRange],
    write: Callable[[Connection, int, KeyRange], T],
    committed: Callable[[int, T], None],
    *,
    on_progress: ProgressCallback | None = None,
    on_retry: RetryCallback | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> BatchStop | None:
    """Run ``write(connection, number, keys)`` for each range in its own transaction; after
    each commit call ``committed(number, what write returned)``. A batch that loses a race
    (:func:`lost_a_race`) is tried again up to :data:`BATCH_RETRIES` times, ``on_retry`` told
    each time. Stops at the first other failure, or a race lost once more than that (that batch
    rolled back as a whole, the earlier ones stay committed) and returns it."""
    for number, keys in enumerate(ranges, start=1):
        for attempt in range(BATCH_RETRIES + 1):
            try:
                with database.begin() as connection:
                    value = write(connection, number, keys)
                break
            except Exception as error:
                # Any failure (a constraint, a lost connection, a lock timeout): report and stop.
                if not lost_a_race(error) or attempt == BATCH_RETRIES:
                    return BatchStop(number, keys, one_line(error))
                if on_retry is not None:
                    on_retry(number, one_line(error))
                sleep(RETRY_PAUSE_SECONDS * 2**attempt)
        committed(number, value)
        if on_progress is not None:
            on_progress(number, len(ranges))
    return None
