"""Batched execution by key ranges: each batch is its own transaction, so a run that is killed
or fails leaves whole batches committed, and a rerun (whose statements only touch what is still
to do) finishes the rest."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.sql.expression import ColumnElement

T = TypeVar("T")
# Called as (batches done, batches in all) after each commit: the progress bar.
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class KeyRange:
    """Half-open ``[low, high)`` range of keys; ``None`` leaves that side open."""

    low: int | None = None
    high: int | None = None

    def clause(self, column: sa.ColumnElement[Any]) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        if self.low is not None:
            clauses.append(column >= self.low)
        if self.high is not None:
            clauses.append(column < self.high)
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


def run_batches(
    engine: sa.Engine,
    ranges: Sequence[KeyRange],
    write: Callable[[sa.Connection, int, KeyRange], T],
    committed: Callable[[int, T], None],
    *,
    on_progress: ProgressCallback | None = None,
) -> BatchStop | None:
    """Run ``write(connection, number, keys)`` for each range in its own transaction; after
    each commit call ``committed(number, what write returned)``. Stops at the first failure
    (that batch rolled back as a whole, the earlier ones stay committed) and returns it."""
    for number, keys in enumerate(ranges, start=1):
        try:
            with engine.begin() as connection:
                value = write(connection, number, keys)
        except Exception as error:
            # Any failure (a constraint, a lost connection, a lock timeout): report and stop.
            message = " ".join(str(getattr(error, "orig", None) or error).split())
            return BatchStop(number, keys, message[:500])
        committed(number, value)
        if on_progress is not None:
            on_progress(number, len(ranges))
    return None
