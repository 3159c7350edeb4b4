"""``teameval audit access``: would anyone lose access when access reads enrollments only?

For every (student, course) pair that either model lets in, the legacy decision (an active
membership in a group of the course that phase 1 counts as eligible) against the new one (an
active enrollment, as ``teameval.access`` checks it): ``agree``, ``legacy_only`` (the student
loses access at the switch: the gate) and ``enrollment_only`` (the student gains it, as the
enrollment is the truth). Archived students cannot sign in under either model: their pairs are
counted apart and never fail the audit. Phase 1's anomalies are reported beside.

Read-only and set-based: one statement counts every course's pairs (``statements``), then only
when there is something to show, a few growing student id ranges find the first sample pairs and
two statements fetch the names behind them.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from teameval.migration.phase1.queries import course_details, student_details
from teameval.migration.phase3.decisions import ENROLLMENT_NAMES, MEMBERSHIP_NAMES, Decision
from teameval.migration.phase3.probe import AccessSchema, Shape, probe_access_schema
from teameval.migration.phase3.queries import course_counts, first_pairs, user_id_bounds
from teameval.migration.runner.batches import KeyRange
from teameval.migration.runner.database import Connection, as_connection, read_only_snapshot
from teameval.migration.runner.report import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    import sqlalchemy as sa

SAMPLED = (Decision.LEGACY_ONLY, Decision.ENROLLMENT_ONLY)
FIRST_SAMPLE_WIDTH = 1024  # user ids in the first sample range; grows 8x per round


@dataclass(frozen=True)
class CourseFigures:
    course_id: int
    code: str | None
    agree: int
    legacy_only: int
    enrollment_only: int

    @property
    def pairs(self) -> int:
        return self.agree + self.legacy_only + self.enrollment_only


@dataclass(frozen=True)
class DecisionCounts:
    agree: int = 0
    legacy_only: int = 0
    enrollment_only: int = 0


@dataclass(frozen=True)
class AccessSample:
    """One pair the two models decide differently, and why (each side as the data has it)."""

    student_id: int
    student_name: str | None
    student_email: str | None
    course_id: int
    course_code: str | None
    membership: str  # MEMBERSHIP_NAMES: none, eligible, cross_school, non_student_member
    enrollment: str  # ENROLLMENT_NAMES: missing, inactive, active


@dataclass(frozen=True)
class AccessAuditResult:
    shape: Shape
    school_id: int | None
    archived_column: bool
    counts: DecisionCounts
    archived: DecisionCounts
    non_student_member: int
    cross_school: int
    by_course: tuple[CourseFigures, ...] = ()  # worst first
    samples: dict[str, tuple[AccessSample, ...]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def agree(self) -> int:
        return self.counts.agree

    @property
    def legacy_only(self) -> int:
        return self.counts.legacy_only

    @property
    def enrollment_only(self) -> int:
        return self.counts.enrollment_only

    @property
    def pairs(self) -> int:
        return self.agree + self.legacy_only + self.enrollment_only

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.legacy_only == 0 else EXIT_FAILED

    @property
    def status(self) -> str:
        return "PASS" if self.legacy_only == 0 else "FAIL"

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "exit_code": self.exit_code,
            "school_id": self.school_id,
            "shape": self.shape,
            "pairs": self.pairs,
            "agree": self.agree,
            "legacy_only": self.legacy_only,
            "enrollment_only": self.enrollment_only,
            "anomalies": {
                "non_student_member": self.non_student_member,
                "cross_school": self.cross_school,
            },
            "archived_column": self.archived_column,
            "archived": asdict(self.archived),
            "by_course": [asdict(course) for course in self.by_course],
            "samples": {
                name: [asdict(sample) for sample in samples]
                for name, samples in self.samples.items()
            },
            "seconds": round(self.seconds, 3),
        }


def _worst_first(course: CourseFigures) -> tuple[int, int, int]:
    return (-course.legacy_only, -course.enrollment_only, course.course_id)


SampleId = tuple[Decision, int, int, int | None, int | None]  # decision, student, course, sides


def _first_pairs(
    connection: Connection,
    schema: AccessSchema,
    wanted: dict[Decision, int],
    school_id: int | None,
) -> list[SampleId]:
    """The first pairs of each wanted decision, looked up in growing user id ranges from the
    lowest id: a few range scans instead of carrying every pair through the count. Bounded:
    the last range is open."""
    bounds = connection.one(user_id_bounds(schema))
    if bounds.low is None:
        return []
    found: list[SampleId] = []
    low, width, last_user = int(bounds.low), FIRST_SAMPLE_WIDTH, int(bounds.high)
    while wanted:
        high = low + width
        last = high > last_user
        students = KeyRange(low, None if last else high)
        for decision, count in list(wanted.items()):
            rows = connection.rows(
                first_pairs(
                    schema, school_id=school_id, students=students, decision=decision, limit=count
                )
            )
            found += [(decision, r.student_id, r.course_id, r.legacy, r.enrollment) for r in rows]
            wanted[decision] -= len(rows)
            if wanted[decision] <= 0 or last:
                del wanted[decision]
        low, width = high, width * 8
    return found


def _samples(
    connection: Connection, schema: AccessSchema, ids: list[SampleId]
) -> dict[str, tuple[AccessSample, ...]]:
    by_decision: dict[str, list[AccessSample]] = {d.name.lower(): [] for d in SAMPLED}
    users: dict[int, Any] = {}
    courses: dict[int, Any] = {}
    if ids:
        users = {
            row.id: row
            for row in connection.rows(student_details(schema.enrollment, {i[1] for i in ids}))
        }
        courses = {
            row.id: row
            for row in connection.rows(course_details(schema.enrollment, {i[2] for i in ids}))
        }
    for decision, student_id, course_id, legacy, enrollment in sorted(ids):
        user, course = users.get(student_id), courses.get(course_id)
        by_decision[decision.name.lower()].append(
            AccessSample(
                student_id=int(student_id),
                student_name=None if user is None else str(user.name),
                student_email=None if user is None else str(user.email),
                course_id=int(course_id),
                course_code=None if course is None or course.code is None else str(course.code),
                membership=MEMBERSHIP_NAMES[legacy],
                enrollment=ENROLLMENT_NAMES[enrollment],
            )
        )
    return {name: tuple(samples) for name, samples in by_decision.items()}


def audit_access(
    connection: Connection | sa.Connection, *, school_id: int | None = None, sample_limit: int = 10
) -> AccessAuditResult:
    """The access audit of the database behind ``connection`` (all schools, or the courses of
    ``school_id`` and phase 1's anomalies touching it). Never writes; raises
    :class:`~teameval.migration.phase1.probe.CouldNotRun` when it cannot run there."""
    started = time.monotonic()
    connection = as_connection(connection)
    schema = probe_access_schema(connection)
    rows = connection.rows(course_counts(schema, school_id=school_id))

    def total(name: str) -> int:
        return sum(int(getattr(row, name)) for row in rows)

    counts = DecisionCounts(total("agree"), total("legacy_only"), total("enrollment_only"))
    archived = DecisionCounts(
        total("archived_agree"), total("archived_legacy_only"), total("archived_enrollment_only")
    )
    courses = [
        CourseFigures(
            course_id=int(row.course_id),
            code=None if row.code is None else str(row.code),
            agree=int(row.agree),
            legacy_only=int(row.legacy_only),
            enrollment_only=int(row.enrollment_only),
        )
        for row in rows
    ]
    limit = max(sample_limit, 0)
    wanted = {
        decision: min(limit, getattr(counts, decision.name.lower()))
        for decision in SAMPLED
        if min(limit, getattr(counts, decision.name.lower())) > 0
    }
    ids = _first_pairs(connection, schema, wanted, school_id) if wanted else []
    return AccessAuditResult(
        shape=schema.shape,
        school_id=school_id,
        archived_column=schema.has_archived,
        counts=counts,
        archived=archived,
        non_student_member=total("non_student_member"),
        cross_school=total("cross_school"),
        by_course=tuple(sorted((c for c in courses if c.pairs), key=_worst_first)),
        samples=_samples(connection, schema, ids),
        seconds=time.monotonic() - started,
    )


def command(
    database_url: str | None = None,
    school: int | None = None,
    json_output: bool = False,
    limit: int = 10,
) -> int:
    from teameval.cli.output import print_json, report_console, resolve_database_url
    from teameval.migration.runner.command import open_database

    url = resolve_database_url(database_url)
    with open_database(url, json_output) as database, database.read() as connection:
        # Only reads, enforced by the database, from one snapshot for every statement.
        read_only_snapshot(connection)
        result = audit_access(connection, school_id=school, sample_limit=limit)
    if json_output:
        print_json(result.to_json())
    else:
        from teameval.migration.phase3.report import render_audit
        from teameval.migration.runner.report import display_url

        render_audit(report_console(), result, database=display_url(url), limit=limit)
    return result.exit_code
