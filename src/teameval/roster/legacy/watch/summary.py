"""What the watch's counters add up to over the last N days (``teameval migration status``, the
admin's migration page, the retirement gates and ``teameval legacy usage``).

"The last N days" is ``today`` (UTC, the day counters are written under) and the N-1 days
before it. Both summaries are zeros on empty tables. Read-only; they work on any connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from teameval.roster.legacy.watch.counts import (
    CALL,
    READ,
    SHADOW_TABLE,
    USAGE_TABLE,
    utc_today,
)


def window(days: int, today: date | None = None) -> tuple[date, date]:
    """(first day, last day) of the last ``days`` days, both included."""
    if days < 1:
        raise ValueError("days must be at least 1")
    last = today or utc_today()
    return last - timedelta(days=days - 1), last


@dataclass(frozen=True)
class CourseShadow:
    course_id: int
    school_id: int
    decisions: int
    legacy_only: int
    enrollment_only: int

    def to_json(self) -> dict[str, Any]:
        return {
            "course_id": self.course_id,
            "school_id": self.school_id,
            "decisions": self.decisions,
            "legacy_only": self.legacy_only,
            "enrollment_only": self.enrollment_only,
        }


@dataclass(frozen=True)
class ShadowSummary:
    days: int
    first_day: date
    last_day: date
    school_id: int | None
    decisions: int = 0
    legacy_only: int = 0
    enrollment_only: int = 0
    by_course: list[CourseShadow] = field(default_factory=list)

    @property
    def disagreements(self) -> int:
        return self.legacy_only + self.enrollment_only

    def to_json(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(),
            "school_id": self.school_id,
            "decisions": self.decisions,
            "legacy_only": self.legacy_only,
            "enrollment_only": self.enrollment_only,
            "disagreements": self.disagreements,
            "by_course": [course.to_json() for course in self.by_course],
        }


def shadow_summary(
    connection: sa.Connection,
    *,
    days: int,
    school_id: int | None = None,
    today: date | None = None,
) -> ShadowSummary:
    """Shadow decisions and disagreements over the last ``days`` days, per course (disagreeing
    courses first, then by course id)."""
    first, last = window(days, today)
    table = SHADOW_TABLE
    query = (
        sa.select(
            table.c.course_id,
            table.c.school_id,
            sa.func.sum(table.c.decisions),
            sa.func.sum(table.c.legacy_only),
            sa.func.sum(table.c.enrollment_only),
        )
        .where(table.c.day.between(first, last))
        .group_by(table.c.course_id, table.c.school_id)
    )
    if school_id is not None:
        query = query.where(table.c.school_id == school_id)
    courses = [
        CourseShadow(int(course), int(school), int(d), int(lo), int(eo))
        for course, school, d, lo, eo in connection.execute(query)
    ]
    courses.sort(key=lambda c: (-(c.legacy_only + c.enrollment_only), c.course_id))
    return ShadowSummary(
        days=days,
        first_day=first,
        last_day=last,
        school_id=school_id,
        decisions=sum(c.decisions for c in courses),
        legacy_only=sum(c.legacy_only for c in courses),
        enrollment_only=sum(c.enrollment_only for c in courses),
        by_course=courses,
    )


@dataclass(frozen=True)
class UsageRow:
    """One route (or command) and kind: its count per day, its total and the last day used."""

    route: str
    kind: str  # "call" or "read"
    per_day: dict[date, int]
    school_ids: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.per_day.values())

    @property
    def last_day(self) -> date:
        return max(self.per_day)

    def to_json(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "kind": self.kind,
            "total": self.total,
            "last_day": self.last_day.isoformat(),
            "schools": list(self.school_ids),
            "per_day": {day.isoformat(): count for day, count in sorted(self.per_day.items())},
        }


@dataclass(frozen=True)
class UsageSummary:
    days: int
    first_day: date
    last_day: date
    school_id: int | None
    rows: list[UsageRow] = field(default_factory=list)

    @property
    def calls(self) -> int:
        """Calls of legacy routes."""
        return sum(row.total for row in self.rows if row.kind == CALL)

    @property
    def reads(self) -> int:
        """Requests and commands (other than legacy routes) that read legacy data."""
        return sum(row.total for row in self.rows if row.kind == READ)

    @property
    def last_call_day(self) -> date | None:
        days = [row.last_day for row in self.rows if row.kind == CALL]
        return max(days) if days else None

    @property
    def last_read_day(self) -> date | None:
        days = [row.last_day for row in self.rows if row.kind == READ]
        return max(days) if days else None

    def to_json(self) -> dict[str, Any]:
        last_call, last_read = self.last_call_day, self.last_read_day
        return {
            "days": self.days,
            "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(),
            "school_id": self.school_id,
            "calls": self.calls,
            "reads": self.reads,
            "last_call_day": last_call.isoformat() if last_call else None,
            "last_read_day": last_read.isoformat() if last_read else None,
            "rows": [row.to_json() for row in self.rows],
        }


def usage_summary(
    connection: sa.Connection,
    *,
    days: int,
    school_id: int | None = None,
    today: date | None = None,
) -> UsageSummary:
    """Legacy route calls and legacy data reads over the last ``days`` days, per route and
    kind (calls first, then by route)."""
    first, last = window(days, today)
    table = USAGE_TABLE
    query = (
        sa.select(
            table.c.route,
            table.c.kind,
            table.c.day,
            table.c.school_id,
            sa.func.sum(table.c.count),
        )
        .where(table.c.day.between(first, last), table.c.count > 0)
        .group_by(table.c.route, table.c.kind, table.c.day, table.c.school_id)
    )
    if school_id is not None:
        query = query.where(table.c.school_id == school_id)
    per_day: dict[tuple[str, str], dict[date, int]] = {}
    schools: dict[tuple[str, str], set[int]] = {}
    for route, kind, day, school, count in connection.execute(query):
        key = (str(route), str(kind))
        days_of = per_day.setdefault(key, {})
        days_of[day] = days_of.get(day, 0) + int(count)
        schools.setdefault(key, set()).add(int(school))
    rows = [
        UsageRow(route, kind, per_day[(route, kind)], tuple(sorted(schools[(route, kind)])))
        for route, kind in sorted(per_day, key=lambda key: (key[1] != CALL, key[0]))
    ]
    return UsageSummary(days=days, first_day=first, last_day=last, school_id=school_id, rows=rows)
