"""The audit's statements: counts per category (plus, on PostgreSQL, the sample pairs) in one
scan, and the names behind the few sample ids.

The categories come from :func:`~teameval.migration.enrollment_statements.classified_pairs`,
the very definition the backfill writes from.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from teameval.migration.enrollment_statements import Category, category_sums, classified_pairs
from teameval.migration.probe import EnrollmentSchema

PROBLEM_CATEGORIES = (
    Category.MISSING,
    Category.ENROLLED_INACTIVE,
    Category.NON_STUDENT,
    Category.CROSS_SCHOOL,
)
SAMPLE_FIELDS = ("student_id", "course_id", "school_id")


def sample_column(category: Category, field: str) -> str:
    return f"sample_{category.name.lower()}_{field}"


def audit_counts(
    schema: EnrollmentSchema, *, school_id: int | None, sample_limit: int
) -> sa.Select[Any]:
    """One row: pairs per category and active memberships, from a single ungrouped scan.

    On PostgreSQL the first ``sample_limit`` pairs of each problem category ride along as
    ``array_agg(…) FILTER (…)[1:n]`` columns, so the samples cost no second scan. (Ranking with
    ``row_number()`` needs a materialised copy or a sort of every pair, and a GROUP BY on the
    category makes the planner sort a million rows: both measured a third slower than this.)
    """
    classified = classified_pairs(schema, school_id=school_id).subquery("classified")
    category = classified.c.category
    columns = category_sums(classified)
    columns.append(
        sa.cast(sa.func.coalesce(sa.func.sum(classified.c.memberships), 0), sa.BigInteger).label(
            "memberships"
        )
    )
    if schema.dialect == "postgresql" and sample_limit > 0:
        int_array = postgresql.ARRAY(sa.Integer)
        for problem in PROBLEM_CATEGORIES:
            for field in SAMPLE_FIELDS:
                collected = sa.func.array_agg(classified.c[field]).filter(category == int(problem))
                columns.append(
                    sa.type_coerce(collected, int_array)[1:sample_limit].label(
                        sample_column(problem, field)
                    )
                )
    return sa.select(*columns).select_from(classified)


def ranked_samples(
    schema: EnrollmentSchema, *, school_id: int | None, sample_limit: int
) -> sa.Select[Any]:
    """Portable samples (SQLite): the first ``sample_limit`` pairs of each problem category."""
    classified = classified_pairs(schema, school_id=school_id).subquery("classified")
    rank = sa.func.row_number().over(
        partition_by=classified.c.category,
        order_by=(classified.c.student_id, classified.c.course_id),
    )
    ranked = (
        sa.select(
            classified.c.category,
            classified.c.student_id,
            classified.c.course_id,
            classified.c.school_id,
            rank.label("rank"),
        )
        .where(classified.c.category != int(Category.ENROLLED_ACTIVE))
        .subquery("ranked")
    )
    return sa.select(
        ranked.c.category, ranked.c.student_id, ranked.c.course_id, ranked.c.school_id
    ).where(ranked.c.rank <= sample_limit)


def student_details(schema: EnrollmentSchema, ids: Collection[int]) -> sa.Select[Any]:
    u = schema.users
    return sa.select(u.c.id, u.c.name, u.c.email, u.c.role, u.c.school_id).where(
        u.c.id.in_(sorted(ids))
    )


def course_details(schema: EnrollmentSchema, ids: Collection[int]) -> sa.Select[Any]:
    c = schema.courses
    code = c.c.code if schema.has(c, "code") else sa.null()
    return sa.select(c.c.id, c.c.name, code.label("code"), c.c.school_id).where(
        c.c.id.in_(sorted(ids))
    )
