"""Pure statement builders for the enrollment audit and backfill.

Everything both tools mean by "missing", "inactive" and "anomaly" is defined once, in
:func:`classified_pairs`. The audit and the dry run count its rows; the SQLite backfill writes
the rows it marks ``MISSING`` or ``INACTIVE``. PostgreSQL's backfill batch
(``backfill_statements``) orders the same work as the bare ``INSERT`` does, from the same
pieces (:func:`membership_anomaly`, :func:`rows_agree_on_school`, :func:`in_school_scope`).
Every builder returns a SQLAlchemy Core statement and touches no database, so the statements
can be read, tested and explained on their own.

A *pair* is a distinct (student, course) reached through an active ``group_members`` row, its
group and the group's course. Each pair gets exactly one category, in this order of precedence:
a teacher/admin member is ``NON_STUDENT`` (whatever else is wrong), then a pair whose member,
group or course rows disagree on the school is ``CROSS_SCHOOL``; the remaining *eligible* pairs
are ``ENROLLED_ACTIVE``, ``ENROLLED_INACTIVE`` or ``MISSING``.

A pair has one member, so the member's role splits the pairs in two disjoint halves
(:data:`Members`): the audit counts the students' pairs in one big pass whose users side holds
students only (as narrow as the bare statement's) and the rare non-students' pairs in a second
pass that starts from those few users. Both passes are the same :func:`classified_pairs`.
"""

from __future__ import annotations

__all__ = ["ANOMALY_NAMES", "Category", "Members"]  # re-exported: where categories used to live

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql.expression import ColumnElement

from teameval.migration.phase1.categories import ANOMALY_NAMES, Category, Members
from teameval.migration.phase1.probe import EnrollmentSchema
from teameval.migration.phase1.queries import SCHOOL_PARAMETER
from teameval.migration.runner.batches import KeyRange

# Batches of the backfill are ranges of student ids.
StudentRange = KeyRange


def _is_boolean(column: sa.ColumnElement[Any]) -> bool:
    return isinstance(column.type, sa.Boolean)


def is_true(column: sa.ColumnElement[Any]) -> ColumnElement[bool]:
    # Legacy databases may keep flags as integers; `= true` would not even parse there.
    return column == (sa.true() if _is_boolean(column) else sa.literal(1))


def is_not_true(column: sa.ColumnElement[Any]) -> ColumnElement[bool]:
    """Inactive, counting NULL as inactive (a NULL flag never grants access)."""
    if _is_boolean(column):
        return column.is_not(sa.true())
    return sa.func.coalesce(column, 0) != 1


def true_value(column: sa.ColumnElement[Any]) -> Any:
    return sa.true() if _is_boolean(column) else sa.literal(1)


def rows_agree_on_school(
    *,
    group: ColumnElement[Any],
    user: ColumnElement[Any],
    course: ColumnElement[Any],
    member: ColumnElement[Any] | None,
) -> ColumnElement[bool]:
    """A membership's user, course and membership row (where it has a school) are all of its
    group's school. Columns, not tables, so the backfill batch can ask it of a subquery's."""
    same_school = [user == group, course == group]
    if member is not None:
        same_school.append(member == group)
    return sa.and_(*same_school)


def membership_anomaly(
    role: ColumnElement[Any], same_school: ColumnElement[bool]
) -> ColumnElement[Any]:
    """A membership's anomaly flag: 2 if its member is not a student, else 1 if its rows
    disagree on the school, else 0. A pair's flag is the ``max`` over its memberships. NULL
    school ids and roles fall to the anomaly: unknown is never treated as a match."""
    not_student = sa.func.coalesce(role == "student", sa.false()) == sa.false()
    return sa.case((not_student, 2), (same_school, 0), else_=1)


def in_school_scope(school_id: int, *schools: ColumnElement[Any]) -> ColumnElement[bool]:
    """A pair is in a school's scope if any row it is made of belongs to that school, so an
    operator of one school also sees the cross-school anomalies that involve it."""
    school = sa.bindparam(SCHOOL_PARAMETER, school_id, type_=sa.Integer)
    return sa.or_(*[column == school for column in schools])


def _same_school(schema: EnrollmentSchema) -> ColumnElement[bool]:
    gm, g, c, u = schema.group_members, schema.groups, schema.courses, schema.users
    return rows_agree_on_school(
        group=g.c.school_id,
        user=u.c.school_id,
        course=c.c.school_id,
        member=gm.c.school_id if schema.has(gm, "school_id") else None,
    )


def _is_student(schema: EnrollmentSchema) -> ColumnElement[bool]:
    return schema.users.c.role == "student"


def _is_not_student(schema: EnrollmentSchema) -> ColumnElement[bool]:
    # Spelled out (not NOT coalesce(…)) so the planner estimates it from the role's statistics
    # and starts from the few users it matches.
    role = schema.users.c.role
    return sa.or_(role.is_(None), role != "student")


def _membership_conditions(
    schema: EnrollmentSchema,
    *,
    school_id: int | None,
    students: StudentRange | None,
    members: Members = None,
) -> list[ColumnElement[bool]]:
    """Which membership rows count: active, in the batch's student range, in the school's
    scope, of the pass's members. Shared by every pass, so that all of them see the same
    memberships."""
    gm, g, c, u = schema.group_members, schema.groups, schema.courses, schema.users
    conditions: list[ColumnElement[bool]] = [is_true(gm.c.active)]
    if members == "students":
        conditions.append(_is_student(schema))
    elif members == "others":
        conditions.append(_is_not_student(schema))
    if students is not None:
        conditions += students.clause(gm.c.user_id)
        # Redundant with the join, but lets the planner range-scan users by primary key too.
        conditions += students.clause(u.c.id)
    if school_id is not None:
        schools = [g.c.school_id, c.c.school_id, u.c.school_id]
        if schema.has(gm, "school_id"):
            schools.append(gm.c.school_id)
        conditions.append(in_school_scope(school_id, *schools))
    return conditions


def _memberships_join(schema: EnrollmentSchema) -> sa.Join:
    gm, g, c, u = schema.group_members, schema.groups, schema.courses, schema.users
    return (
        gm.join(g, g.c.id == gm.c.group_id)
        .join(c, c.c.id == g.c.course_id)
        .join(u, u.c.id == gm.c.user_id)
    )


def pairs(
    schema: EnrollmentSchema,
    *,
    school_id: int | None = None,
    students: StudentRange | None = None,
    only: sa.Select[Any] | None = None,
    memberships: bool = False,
    school: bool = True,
    members: Members = None,
) -> sa.Select[Any]:
    """One row per distinct (student, course) of active memberships, with its anomaly flag:
    ``anomaly`` 2 if a member is not a student, else 1 if its rows disagree on the school, else
    0 (one ``max`` instead of a flag each: a narrower aggregate, the same precedence).

    ``only`` (a select of ``(student_id, course_id)``) restricts it to those pairs;
    ``memberships`` adds their count (the audit needs it, a batch does not); without
    ``school`` the group's school is left out (the audit's counts do not need it); ``members``
    keeps the pairs of students only or of the others only (:data:`Members`)."""
    gm, g, u = schema.group_members, schema.groups, schema.users
    anomaly: sa.ColumnElement[Any]
    if members == "students":
        # The role is known here: leaving it out keeps the role column out of the users side.
        anomaly = sa.case((_same_school(schema), 0), else_=1)
    elif members == "others":
        anomaly = sa.literal(2)
    else:
        anomaly = membership_anomaly(u.c.role, _same_school(schema))
    conditions = _membership_conditions(
        schema, school_id=school_id, students=students, members=members
    )
    if only is not None:
        conditions.append(sa.tuple_(gm.c.user_id, g.c.course_id).in_(only))
    row_columns: list[sa.ColumnElement[Any]] = [
        gm.c.user_id.label("student_id"),
        g.c.course_id.label("course_id"),
        anomaly.label("anomaly"),
    ]
    if school:
        row_columns.append(g.c.school_id.label("school_id"))
    # OFFSET 0 is an optimisation fence: PostgreSQL computes each membership's flag inside the
    # join and hands the aggregate these few narrow columns, not the school ids the flag is made
    # of (at 1M memberships the aggregate's spill shrinks by a third). Same rows everywhere.
    rows = (
        sa.select(*row_columns)
        .select_from(_memberships_join(schema))
        .where(*conditions)
        .offset(0)
        .subquery("memberships")
    )
    columns: list[sa.ColumnElement[Any]] = [
        rows.c.student_id,
        rows.c.course_id,
        sa.func.max(rows.c.anomaly).label("anomaly"),
    ]
    if school:
        # Only used for eligible pairs (whose rows all agree on it) and the samples' notes.
        columns.append(sa.func.min(rows.c.school_id).label("school_id"))
    if memberships:
        columns.append(sa.func.count().label("memberships"))
    return sa.select(*columns).group_by(rows.c.student_id, rows.c.course_id)


def classified_pairs(
    schema: EnrollmentSchema,
    *,
    school_id: int | None = None,
    students: StudentRange | None = None,
    only: sa.Select[Any] | None = None,
    memberships: bool = False,
    school: bool = True,
    members: Members = None,
) -> sa.Select[Any]:
    """THE definition of the categories, shared by the audit and the backfill."""
    p = pairs(
        schema,
        school_id=school_id,
        students=students,
        only=only,
        memberships=memberships,
        school=school,
        members=members,
    ).subquery("pairs")
    ce = schema.course_enrollments
    # The batch's range on the enrollment side too: without it every batch reads the whole
    # course_enrollments table (the pairs are in the range anyway, so nothing else changes).
    in_range = [] if students is None else students.clause(ce.c.student_id)
    category = sa.case(
        (p.c.anomaly == 2, int(Category.NON_STUDENT)),
        (p.c.anomaly == 1, int(Category.CROSS_SCHOOL)),
        (ce.c.course_id.is_(None), int(Category.MISSING)),
        (is_true(ce.c.active), int(Category.ENROLLED_ACTIVE)),
        else_=int(Category.ENROLLED_INACTIVE),
    )
    extra = [p.c.school_id] if school else []
    extra += [p.c.memberships] if memberships else []
    return sa.select(
        p.c.student_id,
        p.c.course_id,
        *extra,
        category.label("category"),
    ).select_from(
        p.outerjoin(
            ce,
            sa.and_(ce.c.course_id == p.c.course_id, ce.c.student_id == p.c.student_id, *in_range),
        )
    )


def audit_counts(
    schema: EnrollmentSchema, *, school_id: int | None, members: Members
) -> sa.Select[Any]:
    """One of the audit's two counting passes (``members`` "students" or "others"): its pairs
    per category and their active memberships. Narrow: per pair only the anomaly flag and the
    membership count are aggregated; no school, no samples. The two passes partition the
    pairs, so their sums are the counts of :func:`classified_pairs` over all members."""
    classified = classified_pairs(
        schema, school_id=school_id, memberships=True, school=False, members=members
    ).subquery("classified")
    counts: list[sa.ColumnElement[Any]] = [
        sa.func.count().filter(classified.c.category == int(category)).label(category.name.lower())
        for category in Category
    ]
    return sa.select(
        *counts,
        sa.cast(sa.func.coalesce(sa.func.sum(classified.c.memberships), 0), sa.BigInteger).label(
            "memberships"
        ),
    ).select_from(classified)


def student_id_bounds(schema: EnrollmentSchema) -> sa.Select[Any]:
    """The lowest and highest user id of an active membership: two index look-ups (with an
    index on ``group_members.user_id``), never a scan. Not narrowed to a school: bounds only
    need to contain every pair, and the statements that use them filter exactly."""
    gm = schema.group_members
    return sa.select(
        sa.func.min(gm.c.user_id).label("low"), sa.func.max(gm.c.user_id).label("high")
    ).where(is_true(gm.c.active))


def new_enrollment_columns(
    schema: EnrollmentSchema, source: sa.FromClause
) -> tuple[list[str], list[sa.ColumnElement[Any]]]:
    ce = schema.course_enrollments
    names = ["course_id", "student_id", "active"]
    values: list[sa.ColumnElement[Any]] = [
        source.c.course_id,
        source.c.student_id,
        true_value(ce.c.active),
    ]
    if schema.has(ce, "school_id"):
        names.append("school_id")
        values.append(source.c.school_id)
    for stamp in ("created_at", "updated_at"):
        if schema.has(ce, stamp):
            names.append(stamp)
            values.append(sa.func.current_timestamp())
    return names, values


def reactivation_values(schema: EnrollmentSchema) -> dict[str, Any]:
    ce = schema.course_enrollments
    values: dict[str, Any] = {"active": true_value(ce.c.active)}
    if schema.has(ce, "updated_at"):
        values["updated_at"] = sa.func.current_timestamp()
    return values


def category_sums(classified: sa.FromClause) -> list[sa.ColumnElement[Any]]:
    """Pairs per category, one column each (labelled ``missing``, ``enrolled_active``, …)."""
    return [
        sa.func.coalesce(
            sa.func.sum(sa.case((classified.c.category == int(category), 1), else_=0)), 0
        ).label(category.name.lower())
        for category in Category
    ]


def category_totals(
    schema: EnrollmentSchema, *, school_id: int | None, students: StudentRange | None = None
) -> sa.Select[Any]:
    """Category totals as one row (dry runs, and each batch on the SQLite path)."""
    classified = classified_pairs(
        schema, school_id=school_id, students=students, school=False
    ).subquery("classified")
    return sa.select(*category_sums(classified)).select_from(classified)


def reactivate_inactive(
    schema: EnrollmentSchema, *, school_id: int | None, students: StudentRange
) -> sa.Update:
    """Companion ``UPDATE`` for engines without ``xmax`` (SQLite, whose writers are serialised,
    so this and :func:`insert_missing` in one transaction count exactly)."""
    ce = schema.course_enrollments
    classified = classified_pairs(schema, school_id=school_id, students=students).subquery(
        "classified"
    )
    inactive = sa.select(classified.c.course_id, classified.c.student_id).where(
        classified.c.category == int(Category.ENROLLED_INACTIVE)
    )
    return (
        sa.update(ce)
        .where(sa.tuple_(ce.c.course_id, ce.c.student_id).in_(inactive))
        .where(is_not_true(ce.c.active))
        .values(reactivation_values(schema))
    )


def insert_missing(
    schema: EnrollmentSchema, *, school_id: int | None, students: StudentRange
) -> sa.Insert:
    ce = schema.course_enrollments
    classified = classified_pairs(schema, school_id=school_id, students=students).subquery(
        "classified"
    )
    names, values = new_enrollment_columns(schema, classified)
    # SQLite needs a WHERE in an INSERT … SELECT … ON CONFLICT (parser ambiguity); we have one.
    source = sa.select(*values).where(classified.c.category == int(Category.MISSING))
    return (
        sqlite.insert(ce)
        .from_select(names, source)
        .on_conflict_do_nothing(index_elements=["course_id", "student_id"])
    )
