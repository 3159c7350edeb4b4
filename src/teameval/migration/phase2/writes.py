"""The backfill's write statements. None deletes a row, and none changes a value that was
already set: a score row or an assessment gets its project team only while that is NULL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from teameval.migration.phase2.probe import JUNCTION, AssessmentSchema
from teameval.migration.phase2.statements import (
    SCHOOL_PARAMETER,
    assessment_scope,
    key_number,
)
from teameval.migration.runner.batches import KeyRange
from teameval.migration.runner.query import Query

TEAM_COLUMNS = (
    "school_id",
    "project_id",
    "team_id",
    "display_name_at_time",
    "team_number",
    "version",
    "backfill_source",
)
MEMBER_COLUMNS = ("school_id", "project_team_id", "user_id")
JUNCTION_WRITE_COLUMNS = (
    "school_id",
    "project_assessment_id",
    "project_team_id",
    "team_number",
    "source",
)


def insert_team(schema: AssessmentSchema, values: dict[str, Any]) -> Query:
    def build() -> sa.Insert:
        teams = schema.table("project_teams")
        return sa.insert(teams).values(**values).returning(teams.c.id)

    return Query(("phase2.insert_team", schema.signature), build, values)


def _insert_many(schema: AssessmentSchema, table: str, columns: tuple[str, ...]) -> Query:
    def build() -> sa.Insert:
        target = schema.table(table)
        return sa.insert(target).values({name: sa.bindparam(name) for name in columns})

    return Query(
        ("phase2.insert_many", schema.signature, table, *columns),
        build,
        dict.fromkeys(columns),
    )


def insert_members(schema: AssessmentSchema) -> Query:
    return _insert_many(schema, "project_team_members", MEMBER_COLUMNS)


def insert_links(schema: AssessmentSchema) -> Query:
    return _insert_many(schema, JUNCTION, JUNCTION_WRITE_COLUMNS)


def update_scores(
    schema: AssessmentSchema,
    *,
    school_id: int | None,
    assessments: KeyRange,
    without_number: bool,
) -> Query:
    """Key the batch's score rows still without a project team by their key's junction row:
    one set-based UPDATE … FROM. The rare keys without a team number (settled by a decision)
    take a second statement, so the usual one stays a plain equality the planner can hash."""

    def build() -> sa.Update:
        scores = schema.table("project_assessment_scores")
        assessments_table = schema.table("project_assessments")
        groups = schema.table("groups")
        junction = schema.table(JUNCTION)
        number = key_number(schema)
        matches = (
            sa.and_(junction.c.team_number.is_(None), number.is_(None))
            if without_number
            else junction.c.team_number == number
        )
        return (
            sa.update(scores)
            .values(project_team_id=junction.c.project_team_id)
            .where(
                assessments_table.c.id == scores.c.assessment_id,
                groups.c.id == assessments_table.c.group_id,
                junction.c.project_assessment_id == scores.c.assessment_id,
                matches,
                scores.c.project_team_id.is_(None),
                *assessment_scope(
                    schema,
                    school_id=school_id,
                    assessments=assessments,
                    column=scores.c.assessment_id,
                ),
            )
        )

    values: dict[str, Any] = dict(assessments.values)
    if school_id is not None:
        values[SCHOOL_PARAMETER] = school_id
    return Query(
        (
            "phase2.update_scores",
            schema.signature,
            school_id is not None,
            *assessments.shape,
            without_number,
        ),
        build,
        values,
    )


def set_assessment_column(
    schema: AssessmentSchema, column: str, assessment_id: int, value: int
) -> Query:
    """``project_assessments.<column> = value`` for one assessment, only while it is NULL."""

    def build() -> sa.Update:
        table = schema.table("project_assessments")
        return (
            sa.update(table)
            .values({column: sa.bindparam("value")})
            .where(table.c.id == sa.bindparam("assessment_id"), table.c[column].is_(None))
        )

    return Query(
        ("phase2.set_assessment_column", schema.signature, column),
        build,
        {"value": value, "assessment_id": assessment_id},
    )
