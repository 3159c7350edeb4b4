"""Counts that need no team keys: the assessments of a scope, and on teameval's own schema
(assessments keyed by project team from the start) the figures of the finished state."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from teameval.migration.phase2.probe import JUNCTION, AssessmentSchema
from teameval.migration.phase2.statements import SCHOOL_PARAMETER, assessment_scope
from teameval.migration.runner.query import Query


def _school(school_id: int | None) -> dict[str, int]:
    return {} if school_id is None else {SCHOOL_PARAMETER: school_id}


def assessments_in_scope_count(schema: AssessmentSchema, school_id: int | None) -> Query:
    """Legacy shape: assessments whose own or whose group's school is the school."""

    def build() -> sa.Select[Any]:
        a, g = schema.table("project_assessments"), schema.table("groups")
        return (
            sa.select(sa.func.count(a.c.id))
            .select_from(a.join(g, g.c.id == a.c.group_id))
            .where(*assessment_scope(schema, school_id=school_id))
        )

    return Query(
        ("phase2.assessments_count", schema.signature, school_id is not None),
        build,
        _school(school_id),
    )


def finished_counts(schema: AssessmentSchema, school_id: int | None) -> Query:
    """Our schema: assessments, score rows and (assessment, team) links of the school."""

    def build() -> sa.Select[Any]:
        a = schema.table("project_assessments")
        scores = schema.table("project_assessment_scores")
        links = schema.table(JUNCTION)

        def count(table: sa.Table) -> sa.ScalarSelect[Any]:
            query = sa.select(sa.func.count(table.c.id))
            if school_id is not None:
                school = sa.bindparam(SCHOOL_PARAMETER, school_id, type_=sa.Integer)
                query = query.where(table.c.school_id == school)
            return query.scalar_subquery()

        return sa.select(
            count(a).label("assessments"),
            count(scores).label("score_rows"),
            count(links).label("team_keys"),
        )

    return Query(
        ("phase2.finished_counts", schema.signature, school_id is not None),
        build,
        _school(school_id),
    )
