"""Enrollment audit: how far ``course_enrollments`` covers active legacy memberships.

Read-only and set-based: after probing the schema it runs exactly one statement
(:func:`~teameval.migration.enrollment_statements.audit_statement`), whatever the data size.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from teameval.migration import enrollment_statements as statements
from teameval.migration.enrollment_statements import ANOMALY_NAMES, Category
from teameval.migration.probe import EnrollmentSchema, probe_enrollment_schema


class AuditStatus(StrEnum):
    PASS = "PASS"  # noqa: S105 - a status word, not a password
    WARNING = "WARNING"
    FAIL = "FAIL"


EXIT_CODES = {AuditStatus.PASS: 0, AuditStatus.WARNING: 1, AuditStatus.FAIL: 2}
EXIT_COULD_NOT_RUN = 3


@dataclass(frozen=True)
class SamplePair:
    """One (student, course) pair the operator should look at."""

    category: str
    student_id: int
    student_name: str | None
    student_email: str | None
    student_role: str | None
    student_school_id: int | None
    course_id: int
    course_name: str | None
    course_code: str | None
    course_school_id: int | None
    group_school_id: int | None


@dataclass(frozen=True)
class EnrollmentAudit:
    status: AuditStatus
    exit_code: int
    active_memberships: int
    unique_pairs: int
    eligible_pairs: int
    enrolled_active: int
    enrolled_inactive: int
    missing: int
    coverage_percent: float
    non_student_member: int
    cross_school: int
    school_id: int | None = None
    samples_missing: tuple[SamplePair, ...] = field(default=())
    samples_inactive: tuple[SamplePair, ...] = field(default=())
    samples_anomalies: tuple[SamplePair, ...] = field(default=())

    @property
    def anomalies(self) -> int:
        return self.non_student_member + self.cross_school

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "exit_code": self.exit_code,
            "school_id": self.school_id,
            "active_memberships": self.active_memberships,
            "unique_pairs": self.unique_pairs,
            "eligible_pairs": self.eligible_pairs,
            "enrolled_active": self.enrolled_active,
            "enrolled_inactive": self.enrolled_inactive,
            "missing": self.missing,
            "coverage_percent": self.coverage_percent,
            "anomalies": {
                "non_student_member": self.non_student_member,
                "cross_school": self.cross_school,
            },
            "samples": {
                "missing": [asdict(sample) for sample in self.samples_missing],
                "inactive": [asdict(sample) for sample in self.samples_inactive],
                "anomalies": [asdict(sample) for sample in self.samples_anomalies],
            },
        }


def coverage_percent(enrolled_active: int, eligible_pairs: int) -> float:
    if eligible_pairs == 0:
        return 100.0
    percent = enrolled_active / eligible_pairs * 100
    # Never round a gap away: 99.996 % must not print as 100 %.
    return math.floor(percent * 100) / 100 if enrolled_active < eligible_pairs else 100.0


def audit_status(
    *, missing: int, enrolled_inactive: int, anomalies: int, coverage: float
) -> AuditStatus:
    if missing == 0 and enrolled_inactive == 0:
        return AuditStatus.PASS if anomalies == 0 else AuditStatus.WARNING
    if enrolled_inactive == 0 and coverage >= 99:
        return AuditStatus.WARNING
    return AuditStatus.FAIL


def _sample(row: sa.Row[Any], category: str) -> SamplePair:
    return SamplePair(
        category=category,
        student_id=int(row.student_id),
        student_name=row.student_name,
        student_email=row.student_email,
        student_role=row.student_role,
        student_school_id=row.student_school_id,
        course_id=int(row.course_id),
        course_name=row.course_name,
        course_code=row.course_code,
        course_school_id=row.course_school_id,
        group_school_id=row.group_school_id,
    )


def audit_with_schema(
    connection: sa.Connection,
    schema: EnrollmentSchema,
    *,
    school_id: int | None = None,
    sample_limit: int = 10,
) -> EnrollmentAudit:
    statement = statements.audit_statement(
        schema, school_id=school_id, sample_limit=max(sample_limit, 0)
    )
    pair_counts = dict.fromkeys(Category, 0)
    memberships = 0
    samples: dict[Category, list[SamplePair]] = {category: [] for category in Category}
    for row in connection.execute(statement):
        category = Category(int(row.category))
        if row.row_kind == 0:
            pair_counts[category] = int(row.pairs)
            memberships += int(row.memberships or 0)
        else:
            name = ANOMALY_NAMES.get(category, category.name.lower())
            samples[category].append(_sample(row, name))

    def ordered(category: Category) -> list[SamplePair]:
        return sorted(samples[category], key=lambda s: (s.student_id, s.course_id))

    active = pair_counts[Category.ENROLLED_ACTIVE]
    inactive = pair_counts[Category.ENROLLED_INACTIVE]
    missing = pair_counts[Category.MISSING]
    non_student = pair_counts[Category.NON_STUDENT]
    cross_school = pair_counts[Category.CROSS_SCHOOL]
    eligible = active + inactive + missing
    coverage = coverage_percent(active, eligible)
    status = audit_status(
        missing=missing,
        enrolled_inactive=inactive,
        anomalies=non_student + cross_school,
        coverage=coverage,
    )
    anomaly_samples = ordered(Category.NON_STUDENT) + ordered(Category.CROSS_SCHOOL)
    return EnrollmentAudit(
        status=status,
        exit_code=EXIT_CODES[status],
        active_memberships=memberships,
        unique_pairs=sum(pair_counts.values()),
        eligible_pairs=eligible,
        enrolled_active=active,
        enrolled_inactive=inactive,
        missing=missing,
        coverage_percent=coverage,
        non_student_member=non_student,
        cross_school=cross_school,
        school_id=school_id,
        samples_missing=tuple(ordered(Category.MISSING)),
        samples_inactive=tuple(ordered(Category.ENROLLED_INACTIVE)),
        samples_anomalies=tuple(anomaly_samples[: max(sample_limit, 0)]),
    )


def audit_enrollments(
    connection: sa.Connection, *, school_id: int | None = None, sample_limit: int = 10
) -> EnrollmentAudit:
    """Audit enrollment coverage of active memberships (all schools, or ``school_id``'s scope).

    Works on our schema and on a legacy-shaped database; raises
    :class:`~teameval.migration.probe.CouldNotRun` if a required table or column is missing.
    Never writes.
    """
    schema = probe_enrollment_schema(connection)
    return audit_with_schema(connection, schema, school_id=school_id, sample_limit=sample_limit)
