"""Writing the watch's counters: deltas added to ``access_shadow_counts`` (per course and day)
and ``legacy_usage_counts`` (per school, day, route and kind).

Each write is an upsert that adds to the row (``INSERT ... ON CONFLICT (key) DO UPDATE SET
n = n + excluded.n``), so concurrent requests never lose an increment and never collide on the
unique key, on SQLite and PostgreSQL alike. Rows are sorted by key: two transactions touching
the same rows lock them in the same order (no deadlock on PostgreSQL).

The day is the UTC date the request ended (``utc_today``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from teameval.models.legacy_watch import AccessShadowCount, LegacyUsageCount
from teameval.roster.legacy.watch.tally import Tally

SHADOW_TABLE: sa.Table = AccessShadowCount.__table__  # type: ignore[assignment]
USAGE_TABLE: sa.Table = LegacyUsageCount.__table__  # type: ignore[assignment]
SHADOW_KEY = ("course_id", "day")
SHADOW_COUNTS = ("decisions", "legacy_only", "enrollment_only")
USAGE_KEY = ("school_id", "day", "route", "kind")
USAGE_COUNTS = ("count",)
CALL = "call"
READ = "read"
ROUTE_LABEL_MAX = 200  # legacy_usage_counts.route


def utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class ShadowRow:
    school_id: int
    course_id: int
    day: date
    decisions: int
    legacy_only: int = 0
    enrollment_only: int = 0


@dataclass(frozen=True)
class UsageRow:
    school_id: int
    day: date
    route: str
    kind: str  # CALL or READ
    count: int


def _upsert(
    connection: sa.Connection,
    table: sa.Table,
    key: Sequence[str],
    counts: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
) -> None:
    if not rows:
        return
    dialect = connection.dialect.name
    insert: Any
    if dialect == "postgresql":
        insert = postgresql.insert(table)
    elif dialect == "sqlite":
        insert = sqlite.insert(table)
    else:  # pragma: no cover - only the two supported engines reach here
        raise NotImplementedError(f"Unsupported database dialect {dialect!r}")
    ordered = sorted(rows, key=lambda row: tuple(str(row[column]) for column in key))
    statement = insert.values(ordered).on_conflict_do_update(
        index_elements=list(key),
        set_={column: table.c[column] + insert.excluded[column] for column in counts},
    )
    connection.execute(statement)


def add_shadow_counts(connection: sa.Connection, rows: Sequence[ShadowRow]) -> None:
    """Add each row's counts to its (course, day); one statement. The caller commits."""
    merged: dict[tuple[int, date], dict[str, Any]] = {}
    for row in rows:
        found = merged.setdefault(
            (row.course_id, row.day),
            {"school_id": row.school_id, "course_id": row.course_id, "day": row.day}
            | dict.fromkeys(SHADOW_COUNTS, 0),
        )
        found["decisions"] += row.decisions
        found["legacy_only"] += row.legacy_only
        found["enrollment_only"] += row.enrollment_only
    _upsert(connection, SHADOW_TABLE, SHADOW_KEY, SHADOW_COUNTS, list(merged.values()))


def add_usage_counts(connection: sa.Connection, rows: Sequence[UsageRow]) -> None:
    """Add each row's count to its (school, day, route, kind); one statement. The caller
    commits."""
    merged: dict[tuple[int, date, str, str], dict[str, Any]] = {}
    for row in rows:
        route = row.route[:ROUTE_LABEL_MAX]
        found = merged.setdefault(
            (row.school_id, row.day, route, row.kind),
            {"school_id": row.school_id, "day": row.day, "route": route, "kind": row.kind}
            | {"count": 0},
        )
        found["count"] += row.count
    _upsert(connection, USAGE_TABLE, USAGE_KEY, USAGE_COUNTS, list(merged.values()))


def tally_rows(tally: Tally, day: date) -> tuple[list[ShadowRow], list[UsageRow]]:
    """What a finished request or command adds: its shadow decisions, and one call (a legacy
    route) or one read (any other work that read legacy data, however many reads it made)."""
    shadow = [
        ShadowRow(school_id, course_id, day, decisions, legacy_only, enrollment_only)
        for (school_id, course_id), (decisions, legacy_only, enrollment_only) in sorted(
            tally.shadow.items()
        )
    ]
    usage: list[UsageRow] = []
    if tally.counts_usage:
        assert tally.school_id is not None
        assert tally.label is not None
        kind = CALL if tally.is_legacy_route else READ
        usage.append(UsageRow(tally.school_id, day, tally.label, kind, 1))
    return shadow, usage


def write_tally(engine: sa.Engine, tally: Tally, day: date | None = None) -> bool:
    """Write what ``tally`` saw in one short transaction of its own; nothing (and no connection
    taken) when it saw nothing. Returns whether it wrote."""
    if not tally.has_counts:
        return False
    shadow, usage = tally_rows(tally, day or utc_today())
    with engine.begin() as connection:
        add_shadow_counts(connection, shadow)
        add_usage_counts(connection, usage)
    return True
