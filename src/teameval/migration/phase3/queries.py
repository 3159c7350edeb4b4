"""Phase 3's statements as the runner executes them (see ``teameval.migration.phase1.queries``):
each names its builder in ``statements`` (imported only to build), its key (the builder, the
schema's signature and what changes the SQL text) and its values (the school of ``--school``, a
sample range's bounds, a sample limit)."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from teameval.migration.phase1.queries import school_values
from teameval.migration.phase3.decisions import Decision
from teameval.migration.runner.batches import KeyRange
from teameval.migration.runner.query import Query

if TYPE_CHECKING:
    from teameval.migration.phase3.probe import AccessSchema


def _statements() -> ModuleType:
    from teameval.migration.phase3 import statements

    return statements


def course_counts(schema: AccessSchema, *, school_id: int | None) -> Query:
    return Query(
        ("phase3.course_counts", schema.signature, school_id is not None),
        lambda: _statements().course_counts(schema, school_id=school_id),
        school_values(school_id),
    )


def first_pairs(
    schema: AccessSchema,
    *,
    school_id: int | None,
    students: KeyRange,
    decision: Decision,
    limit: int,
) -> Query:
    return Query(
        (
            "phase3.first_pairs",
            schema.signature,
            school_id is not None,
            *students.shape,
            int(decision),
        ),
        lambda: _statements().first_pairs(
            schema, school_id=school_id, students=students, decision=decision, limit=limit
        ),
        {**school_values(school_id), **students.values, "sample_limit": limit},
    )


def user_id_bounds(schema: AccessSchema) -> Query:
    return Query(
        ("phase3.user_id_bounds", schema.signature),
        lambda: _statements().user_id_bounds(schema),
    )
