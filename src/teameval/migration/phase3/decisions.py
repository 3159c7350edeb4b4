"""What the access audit calls each (student, course) pair, as plain data (no SQLAlchemy: the
audit's result and report need these names, the lean start-up no statement builder)."""

from __future__ import annotations

from enum import IntEnum


class Decision(IntEnum):
    """The two models' access decisions on one pair, side by side."""

    NEITHER = 0  # neither model lets the student in (or the course is outside --school)
    AGREE = 1  # both do
    LEGACY_ONLY = 2  # only the groups do: the student loses access at the switch
    ENROLLMENT_ONLY = 3  # only the enrollment does: the student gains access


# A pair's legacy side is phase 1's anomaly flag of its active memberships
# (``teameval.migration.phase1.statements.pairs``), NULL when it has none.
LEGACY_ELIGIBLE = 0
LEGACY_CROSS_SCHOOL = 1
LEGACY_NON_STUDENT = 2
MEMBERSHIP_NAMES = {
    None: "none",
    LEGACY_ELIGIBLE: "eligible",
    LEGACY_CROSS_SCHOOL: "cross_school",
    LEGACY_NON_STUDENT: "non_student_member",
}
# Its enrollment side: NULL no enrollment row, else the row's active flag as 0 or 1.
ENROLLMENT_NAMES = {None: "missing", 0: "inactive", 1: "active"}
