"""Pure statement builders of the access audit: every (student, course) pair either model could
let in, with both decisions.

The legacy side is phase 1's :func:`~teameval.migration.phase1.statements.pairs`, unchanged:
the distinct pairs of active memberships with phase 1's anomaly flag, so "eligible" here is
exactly what ``audit enrollments`` and ``backfill enrollments`` call eligible (a student
member whose membership, group, course and user rows agree on the school). The enrollment side
is every ``course_enrollments`` row. Both go through one ``UNION ALL`` and one ``GROUP BY``
(student, course), which is set-based and never an anti-join over a million pairs; each merged
pair then meets its user and course once, by primary key, for what the access module checks:

* legacy allows: the pair is eligible;
* enrollment allows: an active enrollment, of a user whose role is ``student``, in a course of
  the user's own school (``teameval.access.courses``: the student rule, and every rule ANDed
  with the caller's school).

Archived users cannot sign in at all (``auth.service``, ``deps.get_principal``), under either
model, so their pairs are flagged ``archived`` and counted apart by the audit. ``users.archived``
NULL counts as not archived, as sign-in reads it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from teameval.migration.phase1.queries import SCHOOL_PARAMETER
from teameval.migration.phase1.statements import is_true, pairs
from teameval.migration.phase3.decisions import (
    LEGACY_CROSS_SCHOOL,
    LEGACY_ELIGIBLE,
    LEGACY_NON_STUDENT,
    Decision,
)
from teameval.migration.phase3.probe import AccessSchema
from teameval.migration.runner.batches import KeyRange


def _school(school_id: int) -> sa.BindParameter[int]:
    # The same named parameter phase 1's pairs() uses: one value for the whole statement.
    return sa.bindparam(SCHOOL_PARAMETER, school_id, type_=sa.Integer)


def _legacy_side(
    schema: AccessSchema, school_id: int | None, students: KeyRange | None
) -> sa.Select[Any]:
    legacy = pairs(
        schema.enrollment, school_id=school_id, students=students, school=False
    ).subquery("legacy_pairs")
    return sa.select(
        legacy.c.student_id,
        legacy.c.course_id,
        legacy.c.anomaly.label("legacy"),
        sa.cast(sa.null(), sa.Integer).label("enrollment"),
    )


def _enrollment_side(
    schema: AccessSchema, school_id: int | None, students: KeyRange | None
) -> sa.Select[Any]:
    ce, c = schema.enrollment.course_enrollments, schema.enrollment.courses
    conditions = [] if students is None else students.clause(ce.c.student_id)
    if school_id is not None:
        # Decisions are counted for the school's courses only (see decided_pairs).
        courses = sa.select(c.c.id).where(c.c.school_id == _school(school_id))
        conditions.append(ce.c.course_id.in_(courses))
    return sa.select(
        ce.c.student_id,
        ce.c.course_id,
        sa.cast(sa.null(), sa.Integer).label("legacy"),
        sa.case((is_true(ce.c.active), 1), else_=0).label("enrollment"),
    ).where(*conditions)


def decided_pairs(
    schema: AccessSchema, *, school_id: int | None = None, students: KeyRange | None = None
) -> sa.Select[Any]:
    """One row per (student, course) with an active membership or any enrollment:
    ``legacy`` (phase 1's flag, NULL without an active membership), ``enrollment`` (NULL, 0
    inactive, 1 active), ``decision`` (:class:`Decision`) and ``archived`` (0 or 1).

    With ``school_id``: the pairs phase 1 scopes to that school (any of their rows in it, so
    its cross-school anomalies are there) and the enrollments of its courses. So only pairs of
    the school's courses can be allowed: an eligible pair touching the school is wholly of it,
    and an enrollment allows only in its course's school. An allowed pair is wholly of its
    course's school under either model, so the schools' figures add up to the whole."""
    both = sa.union_all(
        _legacy_side(schema, school_id, students), _enrollment_side(schema, school_id, students)
    ).subquery("both_sides")
    merged = (
        sa.select(
            both.c.student_id,
            both.c.course_id,
            sa.func.max(both.c.legacy).label("legacy"),
            sa.func.max(both.c.enrollment).label("enrollment"),
        )
        .group_by(both.c.student_id, both.c.course_id)
        .subquery("merged")
    )
    u = schema.enrollment.users.alias("student")
    c = schema.enrollment.courses.alias("course")
    legacy_allows = merged.c.legacy == LEGACY_ELIGIBLE
    enrollment_allows = sa.and_(
        merged.c.enrollment == 1, u.c.role == "student", u.c.school_id == c.c.school_id
    )
    # NULL comparisons are never true in a CASE branch: a missing side never allows.
    decision = sa.case(
        (sa.and_(legacy_allows, enrollment_allows), int(Decision.AGREE)),
        (legacy_allows, int(Decision.LEGACY_ONLY)),
        (enrollment_allows, int(Decision.ENROLLMENT_ONLY)),
        else_=int(Decision.NEITHER),
    )
    archived: sa.ColumnElement[Any] = (
        sa.case((is_true(u.c.archived), 1), else_=0) if schema.has_archived else sa.literal(0)
    )
    return sa.select(
        merged.c.student_id,
        merged.c.course_id,
        merged.c.legacy,
        merged.c.enrollment,
        decision.label("decision"),
        archived.label("archived"),
    ).select_from(
        merged.join(u, u.c.id == merged.c.student_id).join(c, c.c.id == merged.c.course_id)
    )


def _count(condition: sa.ColumnElement[bool], label: str) -> sa.Label[Any]:
    return sa.func.count().filter(condition).label(label)


def course_counts(schema: AccessSchema, *, school_id: int | None) -> sa.Select[Any]:
    """Per course: its pairs of each decision, apart for archived students, and phase 1's
    anomalies among its pairs. Courses with none of these are left out."""
    d = decided_pairs(schema, school_id=school_id).subquery("decided")
    counts = []
    for archived, prefix in ((0, ""), (1, "archived_")):
        for decision in (Decision.AGREE, Decision.LEGACY_ONLY, Decision.ENROLLMENT_ONLY):
            condition = sa.and_(d.c.decision == int(decision), d.c.archived == archived)
            counts.append(_count(condition, prefix + decision.name.lower()))
    counts += [
        _count(d.c.legacy == LEGACY_NON_STUDENT, "non_student_member"),
        _count(d.c.legacy == LEGACY_CROSS_SCHOOL, "cross_school"),
    ]
    per_course = (
        sa.select(d.c.course_id, *counts)
        .where(sa.or_(d.c.decision != int(Decision.NEITHER), d.c.legacy > LEGACY_ELIGIBLE))
        .group_by(d.c.course_id)
        .subquery("per_course")
    )
    # The code after grouping: a few thousand course rows, not a text column in a sort of
    # every pair.
    c = schema.enrollment.courses.alias("named")
    code = c.c.code if schema.enrollment.has("courses", "code") else sa.null()
    return (
        sa.select(per_course, code.label("code"))
        .select_from(per_course.join(c, c.c.id == per_course.c.course_id))
        .order_by(per_course.c.course_id)
    )


def first_pairs(
    schema: AccessSchema,
    *,
    school_id: int | None,
    students: KeyRange,
    decision: Decision,
    limit: int,
) -> sa.Select[Any]:
    """The first ``limit`` pairs (by student, course) of one decision in a student id range,
    archived students left out: the samples."""
    d = decided_pairs(schema, school_id=school_id, students=students).subquery("decided")
    return (
        sa.select(d.c.student_id, d.c.course_id, d.c.legacy, d.c.enrollment)
        .where(d.c.decision == int(decision), d.c.archived == 0)
        .order_by(d.c.student_id, d.c.course_id)
        .limit(sa.bindparam("sample_limit", limit, type_=sa.Integer))
    )


def user_id_bounds(schema: AccessSchema) -> sa.Select[Any]:
    """The lowest and highest user id: two primary key look-ups, containing every pair."""
    u = schema.enrollment.users
    return sa.select(sa.func.min(u.c.id).label("low"), sa.func.max(u.c.id).label("high"))
