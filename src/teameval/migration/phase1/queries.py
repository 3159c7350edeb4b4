"""Phase 1's statements as the runner executes them (:class:`~teameval.migration.runner.query.
Query`): each names its builder in ``statements`` / ``audit_statements`` (imported only to
build, so a run whose SQL is compiled already never imports SQLAlchemy), its key (the builder,
the schema's signature and every argument that changes the SQL text) and its values (the school
of ``--school``, a batch's bounds, a sample limit, sample ids)."""

from __future__ import annotations

from collections.abc import Collection
from types import ModuleType
from typing import TYPE_CHECKING

from teameval.migration.phase1.categories import Category, Members
from teameval.migration.runner.batches import KeyRange
from teameval.migration.runner.query import Query

if TYPE_CHECKING:
    from teameval.migration.phase1.probe import EnrollmentSchema

# The one bind parameter naming the school of ``--school`` (a value: not part of a query's key).
SCHOOL_PARAMETER = "scope_school"


def school_values(school_id: int | None) -> dict[str, int]:
    return {} if school_id is None else {SCHOOL_PARAMETER: school_id}


def _statements() -> ModuleType:
    from teameval.migration.phase1 import statements

    return statements


def _backfill_statements() -> ModuleType:
    from teameval.migration.phase1 import backfill_statements

    return backfill_statements


def _audit_statements() -> ModuleType:
    from teameval.migration.phase1 import audit_statements

    return audit_statements


def audit_counts(schema: EnrollmentSchema, *, school_id: int | None, members: Members) -> Query:
    return Query(
        ("phase1.audit_counts", schema.signature, school_id is not None, members),
        lambda: _statements().audit_counts(schema, school_id=school_id, members=members),
        school_values(school_id),
    )


def student_id_bounds(schema: EnrollmentSchema) -> Query:
    return Query(
        ("phase1.student_id_bounds", schema.signature),
        lambda: _statements().student_id_bounds(schema),
    )


def first_pairs(
    schema: EnrollmentSchema,
    *,
    school_id: int | None,
    students: KeyRange,
    category: Category,
    limit: int,
) -> Query:
    return Query(
        (
            "phase1.first_pairs",
            schema.signature,
            school_id is not None,
            *students.shape,
            int(category),
        ),
        lambda: _audit_statements().first_pairs(
            schema, school_id=school_id, students=students, category=category, limit=limit
        ),
        {**school_values(school_id), **students.values, "sample_limit": limit},
    )


def student_details(schema: EnrollmentSchema, ids: Collection[int]) -> Query:
    return Query(
        ("phase1.student_details", schema.signature),
        lambda: _audit_statements().student_details(schema, ids),
        {"sample_ids": sorted(ids)},
    )


def course_details(schema: EnrollmentSchema, ids: Collection[int]) -> Query:
    return Query(
        ("phase1.course_details", schema.signature),
        lambda: _audit_statements().course_details(schema, ids),
        {"sample_ids": sorted(ids)},
    )


def _batch_key(
    name: str, schema: EnrollmentSchema, school_id: int | None, students: KeyRange | None
) -> tuple[str | bool | None, ...]:
    shape = ("all",) if students is None else students.shape
    return (name, schema.signature, school_id is not None, *shape)


def _batch_values(school_id: int | None, students: KeyRange | None) -> dict[str, int]:
    return {**school_values(school_id), **({} if students is None else students.values)}


def category_totals(
    schema: EnrollmentSchema, *, school_id: int | None, students: KeyRange | None = None
) -> Query:
    return Query(
        _batch_key("phase1.category_totals", schema, school_id, students),
        lambda: _statements().category_totals(schema, school_id=school_id, students=students),
        _batch_values(school_id, students),
    )


def postgres_backfill_batch(
    schema: EnrollmentSchema, *, school_id: int | None, students: KeyRange
) -> Query:
    return Query(
        _batch_key("phase1.postgres_backfill_batch", schema, school_id, students),
        lambda: _backfill_statements().postgres_backfill_batch(
            schema, school_id=school_id, students=students
        ),
        _batch_values(school_id, students),
    )


def reactivate_inactive(
    schema: EnrollmentSchema, *, school_id: int | None, students: KeyRange
) -> Query:
    return Query(
        _batch_key("phase1.reactivate_inactive", schema, school_id, students),
        lambda: _statements().reactivate_inactive(schema, school_id=school_id, students=students),
        _batch_values(school_id, students),
    )


def insert_missing(schema: EnrollmentSchema, *, school_id: int | None, students: KeyRange) -> Query:
    return Query(
        _batch_key("phase1.insert_missing", schema, school_id, students),
        lambda: _statements().insert_missing(schema, school_id=school_id, students=students),
        _batch_values(school_id, students),
    )
