"""The pieces of SQL every phase 2 definition is made of (issue 12, "Definitions").

A legacy score row belongs to the *team key* ``(assessment, t)`` with
``t = COALESCE(score.team_number, group.team_number)`` of the assessment's group; the scope of a
command is a school (an assessment is in it when the assessment or its group belongs to it, so
an operator also sees the cross-school keys that involve the school) and, for a batch, a range
of assessment ids. Each builder here is pure: it returns SQLAlchemy Core and touches no database.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.expression import ColumnElement

from teameval.migration.phase2.probe import AssessmentSchema
from teameval.migration.runner.batches import KeyRange

# Not "school_id": an UPDATE of a table with that column reserves the name for its SET.
SCHOOL_PARAMETER = "scope_school"


def key_number(schema: AssessmentSchema) -> ColumnElement[Any]:
    """``t`` of a score row: its own team number, else its assessment's group's."""
    scores, groups = schema.table("project_assessment_scores"), schema.table("groups")
    return sa.func.coalesce(scores.c.team_number, groups.c.team_number)


def scores_join(schema: AssessmentSchema) -> sa.Join:
    """Score rows with their assessment and the assessment's group (what ``t`` needs)."""
    scores = schema.table("project_assessment_scores")
    assessments = schema.table("project_assessments")
    groups = schema.table("groups")
    return scores.join(assessments, assessments.c.id == scores.c.assessment_id).join(
        groups, groups.c.id == assessments.c.group_id
    )


def assessment_scope(
    schema: AssessmentSchema,
    *,
    school_id: int | None = None,
    assessments: KeyRange | None = None,
    column: ColumnElement[Any] | None = None,
) -> list[ColumnElement[bool]]:
    """Which assessments a statement covers: those of the batch's id range (on ``column``,
    default ``project_assessments.id``), in the school's scope. Needs ``project_assessments``
    and ``groups`` joined."""
    table = schema.table("project_assessments")
    groups = schema.table("groups")
    conditions: list[ColumnElement[bool]] = []
    if assessments is not None:
        conditions += assessments.clause(table.c.id if column is None else column)
    if school_id is not None:
        school = sa.bindparam(SCHOOL_PARAMETER, school_id, type_=sa.Integer)
        conditions.append(sa.or_(table.c.school_id == school, groups.c.school_id == school))
    return conditions


def same_number(left: ColumnElement[Any], right: ColumnElement[Any]) -> ColumnElement[bool]:
    """Team numbers equal, NULL matching NULL: a key without a number settled by a decision
    keeps its NULL in the junction row (``IS NOT DISTINCT FROM``; ``IS`` on SQLite)."""
    return left.is_not_distinct_from(right)
