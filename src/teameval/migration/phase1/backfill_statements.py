"""PostgreSQL's backfill batch: write one range of students and count it exactly, in ONE
statement shaped like the bare ``INSERT`` of issue 8.

The categories are those of :func:`~teameval.migration.phase1.statements.classified_pairs` (the
same anomaly flag, school scope and precedence; a test compares the two on random data). What
differs is the order of the work. Classifying every pair first means de-duplicating every
membership of the range (a hash aggregate over all of them) and keeping all the classified pairs
for both the write and the counts. Here each membership row is joined to its pair's enrollment
first, as the bare ``INSERT`` anti-joins, and the rows split by it:

* rows whose pair has no active enrollment (about one in eight) are grouped into pairs, written
  (``INSERT … ON CONFLICT DO UPDATE``) when eligible and counted by category;
* rows whose pair has an active enrollment are only counted: that enrollment row is unique per
  pair, so counting its distinct row ids (``ctid``) counts the pairs with no aggregate. A pair's
  memberships are all of one user, so its rows are either all flagged non-student or none is,
  and its already-active count is its pairs less those with a row flagged anomalous.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from teameval.migration.phase1.categories import Category
from teameval.migration.phase1.probe import EnrollmentSchema
from teameval.migration.phase1.statements import (
    StudentRange,
    in_school_scope,
    is_not_true,
    is_true,
    membership_anomaly,
    new_enrollment_columns,
    reactivation_values,
    rows_agree_on_school,
)

NON_STUDENT, CROSS_SCHOOL = 2, 1  # membership_anomaly's flags


def _materialized(schema: EnrollmentSchema, select: sa.Select[Any], name: str) -> sa.CTE:
    cte = select.cte(name)
    # Each is read twice; PostgreSQL before 12 materialises every CTE and lacks the keyword.
    return cte.prefix_with("MATERIALIZED") if schema.supports_materialized_cte else cte


def membership_rows(
    schema: EnrollmentSchema, *, school_id: int | None, students: StudentRange
) -> sa.Select[Any]:
    """One row per active membership of the range (in the school's scope): its pair, its
    anomaly flag, its pair's enrollment row (``enrollment``, NULL when there is none), whether
    that enrollment is active, and the group's school (only where enrollments have one)."""
    gm, g, c, u = schema.group_members, schema.groups, schema.courses, schema.users
    ce = schema.course_enrollments
    member_school = schema.has(gm, "school_id")
    # The range's memberships and their enrollments, planned apart (OFFSET 0 is a fence): the
    # users side's range, redundant with the members' range, makes PostgreSQL expect a tenth of
    # the rows, and with that estimate it would look every enrollment up by index, not hash.
    fenced = (
        sa.select(
            gm.c.user_id.label("student_id"),
            g.c.course_id.label("course_id"),
            g.c.school_id.label("school_id"),
            *([gm.c.school_id.label("member_school_id")] if member_school else []),
            # Unique per row version within the statement: tells the pairs apart (see above).
            sa.literal_column(f"{ce.name}.ctid").label("enrollment"),
            is_true(ce.c.active).label("enrolled_active"),
        )
        .select_from(
            gm.join(g, g.c.id == gm.c.group_id).outerjoin(
                ce,
                sa.and_(
                    ce.c.course_id == g.c.course_id,
                    ce.c.student_id == gm.c.user_id,
                    *students.clause(ce.c.student_id),
                ),
            )
        )
        .where(is_true(gm.c.active), *students.clause(gm.c.user_id))
        .offset(0)
        .subquery("memberships")
    )
    member = fenced.c.member_school_id if member_school else None
    same_school = rows_agree_on_school(
        group=fenced.c.school_id, user=u.c.school_id, course=c.c.school_id, member=member
    )
    # Redundant with the join, but lets the planner range-scan users by primary key.
    conditions = students.clause(u.c.id)
    if school_id is not None:
        schools: list[sa.ColumnElement[Any]] = [fenced.c.school_id, c.c.school_id, u.c.school_id]
        schools += [] if member is None else [member]
        conditions.append(in_school_scope(school_id, *schools))
    columns = [fenced.c.student_id, fenced.c.course_id]
    if schema.has(ce, "school_id"):
        columns.append(fenced.c.school_id)
    return (
        sa.select(
            *columns,
            membership_anomaly(u.c.role, same_school).label("anomaly"),
            fenced.c.enrollment,
            fenced.c.enrolled_active,
        )
        .select_from(
            fenced.join(c, c.c.id == fenced.c.course_id).join(u, u.c.id == fenced.c.student_id)
        )
        .where(*conditions)
    )


def _pairs_to_do(schema: EnrollmentSchema, rows: sa.CTE) -> sa.Select[Any]:
    """The pairs without an active enrollment, each with its category."""
    anomaly = sa.func.max(rows.c.anomaly)
    category = sa.case(
        (anomaly == NON_STUDENT, int(Category.NON_STUDENT)),
        (anomaly == CROSS_SCHOOL, int(Category.CROSS_SCHOOL)),
        (sa.func.bool_or(rows.c.enrollment.is_not(None)), int(Category.ENROLLED_INACTIVE)),
        else_=int(Category.MISSING),
    )
    columns = [rows.c.student_id, rows.c.course_id]
    if "school_id" in rows.c:
        # Only written for eligible pairs, whose rows all agree on it.
        columns.append(sa.func.min(rows.c.school_id).label("school_id"))
    return (
        sa.select(*columns, category.label("category"))
        .where(rows.c.enrolled_active.is_not(sa.true()))
        .group_by(rows.c.student_id, rows.c.course_id)
    )


def _enrolled_counts(rows: sa.CTE) -> sa.Subquery:
    """Pairs with an active enrollment: all of them, and those flagged non-student or
    cross-school (a pair's rows carry one of these flags or neither, never both)."""
    pairs = sa.func.count(sa.distinct(rows.c.enrollment))
    return (
        sa.select(
            pairs.label("pairs"),
            pairs.filter(rows.c.anomaly == NON_STUDENT).label("non_student"),
            pairs.filter(rows.c.anomaly == CROSS_SCHOOL).label("cross_school"),
        )
        .where(rows.c.enrolled_active.is_(sa.true()))
        .subquery("enrolled")
    )


def postgres_backfill_batch(
    schema: EnrollmentSchema, *, school_id: int | None, students: StudentRange
) -> sa.Select[Any]:
    """PostgreSQL: write one batch of students and count its pairs by category, in ONE statement
    (so on one snapshot): ``non_student``, ``cross_school``, ``missing``, ``enrolled_inactive``,
    ``enrolled_active`` as :func:`~teameval.migration.phase1.statements.category_totals` names
    them, and ``created`` and ``reactivated``.

    ``INSERT … ON CONFLICT DO UPDATE … WHERE NOT active`` both creates missing enrollments and
    reactivates inactive ones. It is race-safe under READ COMMITTED: a row another transaction
    inserts meanwhile becomes a conflict (reactivated if inactive, left alone if active), never a
    unique-key error or a duplicate. ``xmax = 0`` on the returned row tells an insert from an
    update, so ``created`` and ``reactivated`` are exactly what this statement did.
    """
    ce = schema.course_enrollments
    rows = _materialized(
        schema, membership_rows(schema, school_id=school_id, students=students), "membership_rows"
    )
    todo = _materialized(schema, _pairs_to_do(schema, rows), "todo")
    eligible = sa.select(todo).where(
        todo.c.category.in_([int(Category.MISSING), int(Category.ENROLLED_INACTIVE)])
    )
    source = eligible.subquery("eligible")
    names, values = new_enrollment_columns(schema, source)
    written = (
        postgresql.insert(ce)
        # In the unique key's order: two writers of overlapping pairs (a second backfill, an
        # application transaction enrolling many) then take their row locks in one order and
        # cannot deadlock; unordered, each may hold a key the other waits for.
        .from_select(names, sa.select(*values).order_by(source.c.course_id, source.c.student_id))
        .on_conflict_do_update(
            index_elements=["course_id", "student_id"],
            set_=reactivation_values(schema),
            where=is_not_true(ce.c.active),
        )
        .returning(sa.literal_column("(xmax = 0)", sa.Boolean).label("inserted"))
        .cte("written")
    )
    to_do = sa.select(
        *[
            sa.func.count().filter(todo.c.category == int(category)).label(category.name.lower())
            for category in Category
            if category is not Category.ENROLLED_ACTIVE
        ]
    ).subquery("to_do")
    enrolled = _enrolled_counts(rows)
    created = sa.select(sa.func.count()).where(written.c.inserted).scalar_subquery()
    reactivated = sa.select(sa.func.count()).where(sa.not_(written.c.inserted)).scalar_subquery()
    return sa.select(
        (to_do.c.non_student + enrolled.c.non_student).label("non_student"),
        (to_do.c.cross_school + enrolled.c.cross_school).label("cross_school"),
        to_do.c.missing,
        to_do.c.enrolled_inactive,
        (enrolled.c.pairs - enrolled.c.non_student - enrolled.c.cross_school).label(
            "enrolled_active"
        ),
        created.label("created"),
        reactivated.label("reactivated"),
    ).select_from(to_do.join(enrolled, sa.true()))
