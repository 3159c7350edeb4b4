"""What a (student, course) pair can be, in the audit's and the backfill's words. Plain data,
without SQLAlchemy, so the reports and the lean start-up need no statement builder."""

from __future__ import annotations

from enum import IntEnum
from typing import Literal


class Category(IntEnum):
    """Small integers rather than strings: cheaper to compare and group at a million rows."""

    NON_STUDENT = 1
    CROSS_SCHOOL = 2
    MISSING = 3
    ENROLLED_INACTIVE = 4
    ENROLLED_ACTIVE = 5


ANOMALY_NAMES = {Category.NON_STUDENT: "non_student_member", Category.CROSS_SCHOOL: "cross_school"}

# Which members' pairs a pass covers: all, students only, or everyone else (a NULL role
# included). "students" and "others" partition the pairs exactly (a pair has one member).
Members = Literal["students", "others"] | None
