"""The shadow comparison's disagreements per course and day, for the status's phase 3 (the
watch's summary adds them up per course over the window; a reader also wants to see *when*
a course disagreed: before or after a fix)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

# The newest course-days shown: each is a course that disagreed on a day, normally few; a
# database where every course disagrees every day needs the totals, not 15,000 rows.
DAYS_SHOWN = 200


def shadow_disagreements_by_day(
    connection: sa.Connection, *, days: int, school_id: int | None, today: date
) -> list[dict[str, Any]]:
    """Course-days with a disagreement over the last ``days`` days, newest first."""
    from teameval.roster.legacy.watch.counts import SHADOW_TABLE as shadow
    from teameval.roster.legacy.watch.summary import window

    first, last = window(days, today)
    courses = sa.table("courses", sa.column("id"), sa.column("code"))
    query = (
        sa.select(
            shadow.c.day,
            shadow.c.course_id,
            courses.c.code,
            shadow.c.decisions,
            shadow.c.legacy_only,
            shadow.c.enrollment_only,
        )
        .join(courses, courses.c.id == shadow.c.course_id)
        .where(
            shadow.c.day.between(first, last),
            (shadow.c.legacy_only + shadow.c.enrollment_only) > 0,
        )
        .order_by(shadow.c.day.desc(), shadow.c.course_id)
        .limit(DAYS_SHOWN)
    )
    if school_id is not None:
        query = query.where(shadow.c.school_id == school_id)
    return [
        {
            "day": row.day.isoformat(),
            "course_id": int(row.course_id),
            "code": row.code,
            "decisions": int(row.decisions),
            "legacy_only": int(row.legacy_only),
            "enrollment_only": int(row.enrollment_only),
        }
        for row in connection.execute(query)
    ]
