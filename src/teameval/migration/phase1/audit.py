"""Enrollment audit: how far ``course_enrollments`` covers active legacy memberships.

Read-only and set-based, in a fixed number of statements whatever the data size: after probing
the schema, two narrow passes count the pairs of every category (per pair they aggregate only
an anomaly flag and the membership count): one over the students' pairs, shaped like the bare
statement, one over the few other members' pairs; the first pairs of each problem category are then
looked up in a few growing student id ranges, and one statement each fetches the names behind
the sample ids.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from teameval.migration.phase1.categories import ANOMALY_NAMES, Category
from teameval.migration.phase1.probe import EnrollmentSchema, probe_enrollment_schema
from teameval.migration.phase1.queries import (
    audit_counts,
    course_details,
    first_pairs,
    student_details,
    student_id_bounds,
)
from teameval.migration.runner.batches import KeyRange
from teameval.migration.runner.database import Connection, as_connection
from teameval.migration.runner.report import EXIT_FAILED, EXIT_OK, EXIT_WARNING

if TYPE_CHECKING:
    import sqlalchemy as sa


class AuditStatus(StrEnum):
    PASS = "PASS"  # noqa: S105 - a status word, not a password
    WARNING = "WARNING"
    FAIL = "FAIL"


EXIT_CODES = {
    AuditStatus.PASS: EXIT_OK,
    AuditStatus.WARNING: EXIT_WARNING,
    AuditStatus.FAIL: EXIT_FAILED,
}


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


PROBLEM_CATEGORIES = (
    Category.MISSING,
    Category.ENROLLED_INACTIVE,
    Category.NON_STUDENT,
    Category.CROSS_SCHOOL,
)
SampleId = tuple[Category, int, int, int | None]  # category, student, course, group school
FIRST_SAMPLE_WIDTH = 1024  # student ids in the first sample range; grows 8x per round


def _first_problem_pairs(
    connection: Connection,
    schema: EnrollmentSchema,
    wanted: dict[Category, int],
    *,
    school_id: int | None,
    first_student: int,
    last_student: int,
) -> list[SampleId]:
    """The first pairs (by student, course) of each category in ``wanted``, looked up in
    growing student id ranges from the lowest id: a few small range scans instead of
    carrying every pair through the main pass. Bounded: the last range is the whole table."""
    found: dict[Category, list[SampleId]] = {category: [] for category in wanted}
    low, width = first_student, FIRST_SAMPLE_WIDTH
    while wanted:
        high = low + width
        last = high > last_student
        students = KeyRange(low, None if last else high)
        for category, count in list(wanted.items()):
            statement = first_pairs(
                schema, school_id=school_id, students=students, category=category, limit=count
            )
            rows = connection.rows(statement)
            found[category] += [(category, r.student_id, r.course_id, r.school_id) for r in rows]
            wanted[category] -= len(rows)
            if wanted[category] <= 0 or last:
                del wanted[category]
        low, width = high, width * 8
    return [sample for samples in found.values() for sample in samples]


def _samples(
    connection: Connection,
    schema: EnrollmentSchema,
    ids: list[SampleId],
) -> dict[Category, list[SamplePair]]:
    samples: dict[Category, list[SamplePair]] = {category: [] for category in Category}
    if not ids:
        return samples
    students = {
        row.id: row for row in connection.rows(student_details(schema, {i[1] for i in ids}))
    }
    courses = {row.id: row for row in connection.rows(course_details(schema, {i[2] for i in ids}))}
    for category, student_id, course_id, group_school_id in ids:
        student, course = students.get(student_id), courses.get(course_id)
        samples[category].append(
            SamplePair(
                category=ANOMALY_NAMES.get(category, category.name.lower()),
                student_id=int(student_id),
                student_name=None if student is None else str(student.name),
                student_email=None if student is None else str(student.email),
                student_role=None if student is None else str(student.role),
                student_school_id=None if student is None else student.school_id,
                course_id=int(course_id),
                course_name=None if course is None else str(course.name),
                course_code=None if course is None or course.code is None else str(course.code),
                course_school_id=None if course is None else course.school_id,
                group_school_id=group_school_id,
            )
        )
    return samples


def audit_enrollments(
    connection: Connection | sa.Connection, *, school_id: int | None = None, sample_limit: int = 10
) -> EnrollmentAudit:
    """Audit enrollment coverage of active memberships (all schools, or ``school_id``'s scope).

    Works on our schema and on a legacy-shaped database; raises
    :class:`~teameval.migration.phase1.probe.CouldNotRun` if a required table or column is missing.
    Never writes.
    """
    connection = as_connection(connection)
    schema = probe_enrollment_schema(connection)
    sample_limit = max(sample_limit, 0)
    # Two passes that partition the pairs: the students' (the big one, shaped like the bare
    # statement) and everyone else's (starts from the few non-student users).
    passes = [
        connection.one(audit_counts(schema, school_id=school_id, members=members))
        for members in ("students", "others")
    ]
    pair_counts = {
        category: sum(int(getattr(row, category.name.lower())) for row in passes)
        for category in Category
    }
    memberships = sum(int(row.memberships) for row in passes)
    wanted = {
        category: min(sample_limit, pair_counts[category])
        for category in PROBLEM_CATEGORIES
        if min(sample_limit, pair_counts[category]) > 0
    }
    ids: list[SampleId] = []
    if wanted:
        bounds = connection.one(student_id_bounds(schema))
        ids = _first_problem_pairs(
            connection,
            schema,
            wanted,
            school_id=school_id,
            first_student=int(bounds.low),
            last_student=int(bounds.high),
        )
    samples = _samples(connection, schema, sorted(ids, key=lambda i: (i[0], i[1], i[2])))
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
    anomaly_samples = samples[Category.NON_STUDENT] + samples[Category.CROSS_SCHOOL]
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
        samples_missing=tuple(samples[Category.MISSING]),
        samples_inactive=tuple(samples[Category.ENROLLED_INACTIVE]),
        samples_anomalies=tuple(anomaly_samples[:sample_limit]),
    )
