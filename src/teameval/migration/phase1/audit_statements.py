"""The audit's sample look-ups: the first pairs of a category in a student id range, and the
names behind the few sample ids. (Its counting passes are in ``statements``.)

The categories come from :func:`~teameval.migration.phase1.statements.classified_pairs`,
the very definition the backfill writes from.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from teameval.migration.phase1.categories import Category, Members
from teameval.migration.phase1.probe import EnrollmentSchema
from teameval.migration.phase1.statements import StudentRange, classified_pairs


def first_pairs(
    schema: EnrollmentSchema,
    *,
    school_id: int | None,
    students: StudentRange,
    category: Category,
    limit: int,
) -> sa.Select[Any]:
    """The first ``limit`` pairs (by student, course) of one category in a student id range.
    Only the members that category can be made of are read: non-student pairs come from the
    few non-student users, every other category from the students' pairs."""
    members: Members = "others" if category == Category.NON_STUDENT else "students"
    classified = classified_pairs(
        schema, school_id=school_id, students=students, members=members
    ).subquery("classified")
    return (
        sa.select(classified.c.student_id, classified.c.course_id, classified.c.school_id)
        .where(classified.c.category == int(category))
        .order_by(classified.c.student_id, classified.c.course_id)
        .limit(sa.bindparam("sample_limit", limit, type_=sa.Integer))
    )


def student_details(schema: EnrollmentSchema, ids: Collection[int]) -> sa.Select[Any]:
    u = schema.users
    return sa.select(u.c.id, u.c.name, u.c.email, u.c.role, u.c.school_id).where(
        u.c.id.in_(sa.bindparam("sample_ids", sorted(ids), expanding=True))
    )


def course_details(schema: EnrollmentSchema, ids: Collection[int]) -> sa.Select[Any]:
    c = schema.courses
    code = c.c.code if schema.has(c, "code") else sa.null()
    return sa.select(c.c.id, c.c.name, code.label("code"), c.c.school_id).where(
        c.c.id.in_(sa.bindparam("sample_ids", sorted(ids), expanding=True))
    )
