"""The statement builders' own promises: batch ranges cut from min/max, and the audit's two
counting passes partitioning the pairs of the one category definition."""

from __future__ import annotations

import sqlalchemy as sa

from teameval.migration.phase1.probe import probe_enrollment_schema
from teameval.migration.phase1.statements import (
    Category,
    audit_counts,
    classified_pairs,
    student_id_bounds,
)
from teameval.migration.runner.batches import KeyRange, ranges_by_width


def test_ranges_by_width_cover_min_to_max_with_open_ends() -> None:
    assert ranges_by_width(1, 12, 3) == [
        KeyRange(None, 4),
        KeyRange(4, 7),
        KeyRange(7, 10),
        KeyRange(10, None),
    ]
    assert ranges_by_width(1, 11, 4) == [KeyRange(None, 5), KeyRange(5, 9), KeyRange(9, None)]
    assert ranges_by_width(5, 5, 50) == [KeyRange()]


def test_ranges_by_width_without_keys_or_width_is_one_range() -> None:
    assert ranges_by_width(None, None, 10) == [KeyRange()]
    assert ranges_by_width(1, 12, 0) == [KeyRange()]


def test_student_id_bounds_are_those_of_active_members(shape_engine: sa.Engine) -> None:
    with shape_engine.connect() as connection:
        schema = probe_enrollment_schema(connection)
        bounds = connection.execute(student_id_bounds(schema)).one()
    # Users 1-11 have active memberships; user 12's only membership is inactive.
    assert (bounds.low, bounds.high) == (1, 11)


def test_the_audit_passes_partition_the_pairs(shape_engine: sa.Engine) -> None:
    """Students' pass + others' pass = every pair of classified_pairs, category by category,
    whole and within one school's scope."""
    with shape_engine.connect() as connection:
        schema = probe_enrollment_schema(connection)
        for school_id in (None, 1, 2):
            every = classified_pairs(schema, school_id=school_id).subquery("every")
            expected = dict.fromkeys(Category, 0)
            for row in connection.execute(
                sa.select(every.c.category, sa.func.count()).group_by(every.c.category)
            ):
                expected[Category(row[0])] = int(row[1])
            passes = [
                connection.execute(audit_counts(schema, school_id=school_id, members=members)).one()
                for members in ("students", "others")
            ]
            counted = {
                category: sum(int(p._mapping[category.name.lower()]) for p in passes)
                for category in Category
            }
            assert counted == expected, school_id
            assert int(passes[1].non_student) == expected[Category.NON_STUDENT]
            assert all(
                int(passes[1]._mapping[c.name.lower()]) == 0
                for c in Category
                if c is not Category.NON_STUDENT
            )
