"""Demo data for the legacy watch (issue 14): four weeks of shadow access counts and legacy usage
counts for the demo school, written through the watch's own recording functions, so the admin's
migration page and ``teameval migration status`` / ``legacy usage`` have a history to show.

They are made up (labelled so in docs/migration.md), shaped like a school mid-migration: the
shadow's legacy-only decisions stop after the enrollment backfill (day ``BACKFILL_DAY``), the
enrollment-only ones stay (students enrolled without a legacy team); legacy route calls thin out
and stop ``QUIET_DAYS`` days ago, while pages and the CSV import still read legacy data.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from teameval.models import AccessShadowCount, Course, LegacyUsageCount
from teameval.roster.legacy.watch.counts import (
    CALL,
    READ,
    ShadowRow,
    UsageRow,
    add_shadow_counts,
    add_usage_counts,
    utc_today,
)

DAYS = 28
BACKFILL_DAY = 10  # days after the first demo day: legacy-only decisions end here
QUIET_DAYS = 9  # the last legacy route call was this many days ago
LEGACY_CALLS = (
    "GET /api/v1/courses/{course_id}/groups",
    "POST /api/v1/courses/{course_id}/groups/{group_id}/members",
    "PUT /api/v1/courses/{course_id}/students/{student_id}/team",
)
DAILY_READS = ("GET /api/v1/courses/{course_id}/students", "GET /courses/{course_id}")
WEEKLY_READS = ("cli: import students", "GET /api/v1/admin/students/export.csv")


def build_demo_legacy_watch(session: Session, school_id: int, seed: int = 20261128) -> None:
    """Replace the demo school's watch counts with four weeks of made-up history ending today."""
    remove_demo_legacy_watch(session, school_id)
    rng = random.Random(seed)
    today = utc_today()
    first = today - timedelta(days=DAYS - 1)
    courses = list(
        session.scalars(select(Course.id).where(Course.school_id == school_id).order_by(Course.id))
    )
    shadow: list[ShadowRow] = []
    usage: list[UsageRow] = []
    for offset in range(DAYS):
        day = first + timedelta(days=offset)
        weekday = day.weekday() < 5
        for index, course_id in enumerate(courses):
            decisions = rng.randint(30, 90) if weekday else rng.randint(0, 8)
            legacy_only = rng.randint(0, 3) if offset < BACKFILL_DAY and decisions else 0
            enrollment_only = min(decisions, rng.randint(0, 2)) if index == len(courses) - 1 else 0
            if decisions:
                shadow.append(
                    ShadowRow(school_id, course_id, day, decisions, legacy_only, enrollment_only)
                )
        usage.extend(_usage_of(rng, school_id, day, today, weekday))
    connection = session.connection()
    add_shadow_counts(connection, shadow)
    add_usage_counts(connection, usage)


def _usage_of(
    rng: random.Random, school_id: int, day: date, today: date, weekday: bool
) -> list[UsageRow]:
    rows: list[UsageRow] = []
    days_ago = (today - day).days
    if weekday and days_ago > QUIET_DAYS:
        for route in LEGACY_CALLS:
            calls = rng.randint(0, max(1, (days_ago - QUIET_DAYS) // 3))
            if calls:
                rows.append(UsageRow(school_id, day, route, CALL, calls))
        if days_ago == QUIET_DAYS + 1:  # the last call, on a weekday
            rows.append(UsageRow(school_id, day, LEGACY_CALLS[0], CALL, 1))
    if weekday:
        rows.extend(
            UsageRow(school_id, day, route, READ, rng.randint(5, 40)) for route in DAILY_READS
        )
    if day.weekday() == 0:
        rows.extend(UsageRow(school_id, day, route, READ, 1) for route in WEEKLY_READS)
    return rows


def remove_demo_legacy_watch(session: Session, school_id: int) -> None:
    """For ``demo.reset_demo`` and a rebuild: the demo school's watch counts."""
    for model in (AccessShadowCount, LegacyUsageCount):
        session.execute(delete(model).where(model.school_id == school_id))
