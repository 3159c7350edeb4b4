"""The statements that read what the phase 2 definitions are decided on (``plan``).

Each returns one :class:`Query` over either a batch (a range of assessment ids in a school's
scope) or an explicit list of ids (the assessments, projects, teams or groups a batch needs to
see beyond itself). The key names the builder, the schema's signature and every argument that
changes the SQL text; ids and bounds are values. Lists of ids are read in chunks
(:data:`CHUNK`), so no statement has more bind parameters than any driver allows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.expression import ColumnElement

from teameval.migration.phase1.statements import is_not_true, is_true
from teameval.migration.phase2.probe import JUNCTION, AssessmentSchema
from teameval.migration.phase2.statements import (
    SCHOOL_PARAMETER,
    assessment_scope,
    key_number,
    scores_join,
)
from teameval.migration.runner.batches import KeyRange
from teameval.migration.runner.query import Query

CHUNK = 1000
IDS = "ids"
ALL_ASSESSMENTS = KeyRange()


def chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _ids() -> sa.BindParameter[Any]:
    return sa.bindparam(IDS, expanding=True)


def _scope_values(school_id: int | None, assessments: KeyRange) -> dict[str, Any]:
    values: dict[str, Any] = dict(assessments.values)
    if school_id is not None:
        values[SCHOOL_PARAMETER] = school_id
    return values


def _scope_key(school_id: int | None, assessments: KeyRange) -> tuple[bool, bool, bool]:
    return (school_id is not None, *assessments.shape)


def _assessment_columns(schema: AssessmentSchema) -> list[ColumnElement[Any]]:
    a, g = schema.table("project_assessments"), schema.table("groups")
    return [
        a.c.id,
        a.c.school_id,
        a.c.project_id,
        a.c.project_team_id,
        a.c.group_id,
        g.c.school_id.label("group_school_id"),
        g.c.course_id,
        g.c.team_number.label("group_team_number"),
    ]


def _assessments_join(schema: AssessmentSchema) -> sa.Join:
    a, g = schema.table("project_assessments"), schema.table("groups")
    return a.join(g, g.c.id == a.c.group_id)


def assessments_in_scope(
    schema: AssessmentSchema, *, school_id: int | None, assessments: KeyRange
) -> Query:
    """The batch's assessments with their group's school, course and team number."""

    def build() -> sa.Select[Any]:
        return (
            sa.select(*_assessment_columns(schema))
            .select_from(_assessments_join(schema))
            .where(*assessment_scope(schema, school_id=school_id, assessments=assessments))
        )

    return Query(
        ("phase2.assessments", schema.signature, *_scope_key(school_id, assessments)),
        build,
        _scope_values(school_id, assessments),
    )


def assessments_of_projects(
    schema: AssessmentSchema, project_ids: Sequence[int], course_ids: Sequence[int]
) -> Query:
    """Assessments that may resolve to one of ``project_ids``: their own project is one of
    them, or they have none and their group's course is one of ``course_ids``."""

    def build() -> sa.Select[Any]:
        a, g = schema.table("project_assessments"), schema.table("groups")
        return (
            sa.select(*_assessment_columns(schema))
            .select_from(_assessments_join(schema))
            .where(
                sa.or_(
                    a.c.project_id.in_(sa.bindparam("project_ids", expanding=True)),
                    sa.and_(
                        a.c.project_id.is_(None),
                        g.c.course_id.in_(sa.bindparam("course_ids", expanding=True)),
                    ),
                )
            )
        )

    return Query(
        ("phase2.assessments_of_projects", schema.signature),
        build,
        {"project_ids": list(project_ids), "course_ids": list(course_ids)},
    )


def _score_selection(
    schema: AssessmentSchema,
    *,
    school_id: int | None,
    assessments: KeyRange | None,
    ids: bool,
) -> list[ColumnElement[bool]]:
    scores = schema.table("project_assessment_scores")
    conditions = assessment_scope(
        schema, school_id=school_id, assessments=assessments, column=scores.c.assessment_id
    )
    if ids:
        conditions.append(scores.c.assessment_id.in_(_ids()))
    return conditions


def _selection_values(
    school_id: int | None, assessments: KeyRange | None, ids: Sequence[int] | None
) -> tuple[tuple[bool, ...], dict[str, Any]]:
    scope = assessments or ALL_ASSESSMENTS
    key = (*_scope_key(school_id, scope), assessments is not None, ids is not None)
    values = _scope_values(school_id, scope)
    if ids is not None:
        values[IDS] = list(ids)
    return key, values


def key_counts(
    schema: AssessmentSchema,
    *,
    school_id: int | None = None,
    assessments: KeyRange | None = None,
    ids: Sequence[int] | None = None,
) -> Query:
    """Per team key (assessment, t) of the score rows: how many rows, how many already carry
    a project team (0 before expansion), how many are overrides."""

    def build() -> sa.Select[Any]:
        scores = schema.table("project_assessment_scores")
        number = key_number(schema)
        mapped: ColumnElement[Any] = (
            sa.func.count(scores.c.project_team_id)
            if schema.expanded
            else sa.literal(0, sa.Integer)
        )
        return (
            sa.select(
                scores.c.assessment_id,
                number.label("team_number"),
                sa.func.count(scores.c.id).label("score_rows"),
                mapped.label("scores_mapped"),
            )
            .select_from(scores_join(schema))
            .where(
                *_score_selection(
                    schema, school_id=school_id, assessments=assessments, ids=ids is not None
                )
            )
            .group_by(scores.c.assessment_id, number)
        )

    key, values = _selection_values(school_id, assessments, ids)
    return Query(("phase2.key_counts", schema.signature, *key), build, values)


def override_students(
    schema: AssessmentSchema,
    *,
    school_id: int | None = None,
    assessments: KeyRange | None = None,
    ids: Sequence[int] | None = None,
) -> Query:
    """Per team key and student: the override rows (``student_id`` NOT NULL) it has."""

    def build() -> sa.Select[Any]:
        scores = schema.table("project_assessment_scores")
        number = key_number(schema)
        return (
            sa.select(
                scores.c.assessment_id,
                number.label("team_number"),
                scores.c.student_id,
                sa.func.count(scores.c.id).label("rows"),
            )
            .select_from(scores_join(schema))
            .where(
                scores.c.student_id.is_not(None),
                *_score_selection(
                    schema, school_id=school_id, assessments=assessments, ids=ids is not None
                ),
            )
            .group_by(scores.c.assessment_id, number, scores.c.student_id)
        )

    key, values = _selection_values(school_id, assessments, ids)
    return Query(("phase2.override_students", schema.signature, *key), build, values)


def junction_rows(
    schema: AssessmentSchema,
    *,
    assessments: KeyRange | None = None,
    ids: Sequence[int] | None = None,
) -> Query:
    """The keys mapped already (expanded databases only)."""

    def build() -> sa.Select[Any]:
        junction = schema.table(JUNCTION)
        conditions: list[ColumnElement[bool]] = []
        if assessments is not None:
            conditions += assessments.clause(junction.c.project_assessment_id)
        if ids is not None:
            conditions.append(junction.c.project_assessment_id.in_(_ids()))
        return sa.select(
            junction.c.project_assessment_id,
            junction.c.team_number,
            junction.c.project_team_id,
        ).where(*conditions)

    key, values = _selection_values(None, assessments, ids)
    return Query(("phase2.junction", schema.signature, *key), build, values)


def projects_by(schema: AssessmentSchema, column: str, ids: Sequence[int]) -> Query:
    """Projects whose ``column`` (``id`` or ``course_id``) is one of ``ids``."""

    def build() -> sa.Select[Any]:
        projects = schema.table("projects")
        return sa.select(projects.c.id, projects.c.school_id, projects.c.course_id).where(
            projects.c[column].in_(_ids())
        )

    return Query(("phase2.projects_by", schema.signature, column), build, {IDS: list(ids)})


def teams_of_projects(schema: AssessmentSchema, project_ids: Sequence[int]) -> Query:
    """Every version of every team of these projects."""

    def build() -> sa.Select[Any]:
        teams = schema.table("project_teams")
        return sa.select(
            teams.c.id,
            teams.c.school_id,
            teams.c.project_id,
            teams.c.team_number,
            teams.c.version,
            teams.c.backfill_source,
        ).where(teams.c.project_id.in_(_ids()))

    return Query(("phase2.teams_of_projects", schema.signature), build, {IDS: list(project_ids)})


def teams_by_id(schema: AssessmentSchema, team_ids: Sequence[int]) -> Query:
    def build() -> sa.Select[Any]:
        teams = schema.table("project_teams")
        return sa.select(
            teams.c.id,
            teams.c.school_id,
            teams.c.project_id,
            teams.c.team_number,
            teams.c.version,
            teams.c.backfill_source,
        ).where(teams.c.id.in_(_ids()))

    return Query(("phase2.teams_by_id", schema.signature), build, {IDS: list(team_ids)})


def members_of_teams(schema: AssessmentSchema, team_ids: Sequence[int]) -> Query:
    def build() -> sa.Select[Any]:
        members = schema.table("project_team_members")
        return sa.select(members.c.project_team_id, members.c.user_id).where(
            members.c.project_team_id.in_(_ids())
        )

    return Query(("phase2.members_of_teams", schema.signature), build, {IDS: list(team_ids)})


def group_students(schema: AssessmentSchema, group_ids: Sequence[int]) -> Query:
    """Active student members of these groups, with their legacy team number: the members a
    team to create gets from its assessment's group (archived students left out)."""

    def build() -> sa.Select[Any]:
        gm, users = schema.table("group_members"), schema.table("users")
        conditions = [
            gm.c.group_id.in_(_ids()),
            is_true(gm.c.active),
            users.c.role == "student",
            users.c.team_number.is_not(None),
        ]
        if schema.has("users", "archived"):
            conditions.append(is_not_true(users.c.archived))
        return (
            sa.select(gm.c.group_id, users.c.id.label("user_id"), users.c.team_number)
            .select_from(gm.join(users, users.c.id == gm.c.user_id))
            .where(*conditions)
        )

    return Query(("phase2.group_students", schema.signature), build, {IDS: list(group_ids)})


def assessment_id_bounds(schema: AssessmentSchema) -> Query:
    def build() -> sa.Select[Any]:
        a = schema.table("project_assessments")
        return sa.select(sa.func.min(a.c.id).label("low"), sa.func.max(a.c.id).label("high"))

    return Query(("phase2.assessment_id_bounds", schema.signature), build)


def duplicate_team_scores(
    schema: AssessmentSchema, *, school_id: int | None, assessments: KeyRange
) -> Query:
    """How many excess team-score rows the batch has (``duplicates`` defines them)."""

    def build() -> sa.Select[Any]:
        from teameval.migration.phase2.duplicates import excess_team_score_rows

        excess = excess_team_score_rows(
            schema, school_id=school_id, assessments=assessments
        ).subquery()
        return sa.select(sa.func.count()).select_from(excess)

    return Query(
        ("phase2.duplicate_team_scores", schema.signature, *_scope_key(school_id, assessments)),
        build,
        _scope_values(school_id, assessments),
    )


def assessments_by_id(schema: AssessmentSchema, ids: Sequence[int]) -> Query:
    def build() -> sa.Select[Any]:
        a = schema.table("project_assessments")
        return (
            sa.select(*_assessment_columns(schema))
            .select_from(_assessments_join(schema))
            .where(a.c.id.in_(_ids()))
        )

    return Query(("phase2.assessments_by_id", schema.signature), build, {IDS: list(ids)})
