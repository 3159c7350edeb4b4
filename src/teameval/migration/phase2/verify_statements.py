"""The statements of ``teameval verify assessments`` (``verify``), as runner queries: the
mapped keys of a batch of assessments, their score rows through each path, their teams'
members, and the count of keys still unmapped. Each builder imports SQLAlchemy only when its
statement is built (the lean start-up, docs/benchmarks.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from teameval.migration.phase2.probe import JUNCTION, AssessmentSchema
from teameval.migration.runner.batches import KeyRange
from teameval.migration.runner.query import Query

if TYPE_CHECKING:
    import sqlalchemy as sa


def _query(
    name: str,
    schema: AssessmentSchema,
    school_id: int | None,
    keys: KeyRange | None,
    build: Callable[[], sa.Executable],
) -> Query:
    from teameval.migration.phase2.statements import SCHOOL_PARAMETER

    shape = ("all",) if keys is None else keys.shape
    values: dict[str, int] = {} if keys is None else dict(keys.values)
    if school_id is not None:
        values[SCHOOL_PARAMETER] = school_id
    return Query(
        (f"phase2.verify.{name}", schema.signature, school_id is not None, *shape), build, values
    )


def _scoped(
    schema: AssessmentSchema, school_id: int | None, keys: KeyRange | None, column: Any
) -> list[Any]:
    from teameval.migration.phase2.statements import assessment_scope

    return assessment_scope(schema, school_id=school_id, assessments=keys, column=column)


def _junction_join(schema: AssessmentSchema) -> sa.Join:
    """Junction rows with their assessment and its group (the scope needs both)."""
    junction = schema.table(JUNCTION)
    assessments = schema.table("project_assessments")
    groups = schema.table("groups")
    return junction.join(assessments, assessments.c.id == junction.c.project_assessment_id).join(
        groups, groups.c.id == assessments.c.group_id
    )


def assessment_bounds(schema: AssessmentSchema) -> Query:
    def build() -> sa.Select[Any]:
        import sqlalchemy as sa

        table = schema.table("project_assessments")
        return sa.select(
            sa.func.min(table.c.id).label("low"), sa.func.max(table.c.id).label("high")
        )

    return _query("assessment_bounds", schema, None, None, build)


def mapped_keys(schema: AssessmentSchema, school_id: int | None, keys: KeyRange) -> Query:
    def build() -> sa.Select[Any]:
        import sqlalchemy as sa

        junction = schema.table(JUNCTION)
        return (
            sa.select(
                junction.c.id.label("key_id"),
                junction.c.project_assessment_id.label("assessment_id"),
                junction.c.team_number,
                junction.c.project_team_id,
            )
            .select_from(_junction_join(schema))
            .where(*_scoped(schema, school_id, keys, junction.c.project_assessment_id))
        )

    return _query("mapped_keys", schema, school_id, keys, build)


def path_rows(schema: AssessmentSchema, school_id: int | None, keys: KeyRange, path: str) -> Query:
    """The score rows of each mapped key through one path: ``legacy`` (by team number, ``IS NOT
    DISTINCT FROM`` so a key settled without a number keeps its rows) or ``new`` (by
    project_team_id). Numbers as text, so they reach Python exactly."""

    def build() -> sa.Select[Any]:
        import sqlalchemy as sa

        from teameval.migration.phase2.statements import key_number, same_number, scores_join

        scores = schema.table("project_assessment_scores")
        junction = schema.table(JUNCTION)
        criteria = schema.table("rubric_criteria")
        t = key_number(schema)
        if path == "legacy":
            on = same_number(t, junction.c.team_number)
        else:
            on = scores.c.project_team_id == junction.c.project_team_id
        joined = scores_join(schema).join(
            junction, sa.and_(junction.c.project_assessment_id == scores.c.assessment_id, on)
        )
        return (
            sa.select(
                junction.c.id.label("key_id"),
                scores.c.id,
                scores.c.criterion_id,
                scores.c.student_id,
                sa.cast(scores.c.score, sa.Text).label("score"),
                sa.cast(criteria.c.weight, sa.Text).label("weight"),
                scores.c.project_team_id,
                t.label("team_number"),
            )
            .select_from(joined.join(criteria, criteria.c.id == scores.c.criterion_id))
            .where(
                *_scoped(schema, school_id, keys, scores.c.assessment_id),
                # The planner does not carry a range across the join's equality: both sides
                # get it, so the junction is read by index, not scanned whole in every batch.
                *keys.clause(junction.c.project_assessment_id),
            )
        )

    return _query(f"{path}_rows", schema, school_id, keys, build)


def key_members(schema: AssessmentSchema, school_id: int | None, keys: KeyRange) -> Query:
    def build() -> sa.Select[Any]:
        import sqlalchemy as sa

        junction = schema.table(JUNCTION)
        members = schema.table("project_team_members")
        joined = _junction_join(schema).join(
            members, members.c.project_team_id == junction.c.project_team_id
        )
        return (
            sa.select(junction.c.id.label("key_id"), members.c.user_id)
            .select_from(joined)
            .where(*_scoped(schema, school_id, keys, junction.c.project_assessment_id))
        )

    return _query("key_members", schema, school_id, keys, build)


def unmapped_key_count(schema: AssessmentSchema, school_id: int | None, keys: KeyRange) -> Query:
    def build() -> sa.Select[Any]:
        import sqlalchemy as sa

        from teameval.migration.phase2.statements import key_number, same_number, scores_join

        scores = schema.table("project_assessment_scores")
        assessments = schema.table("project_assessments")
        groups = schema.table("groups")
        junction = schema.table(JUNCTION)
        of_rows = (
            sa.select(
                scores.c.assessment_id.label("assessment_id"),
                key_number(schema).label("team_number"),
            )
            .select_from(scores_join(schema))
            .where(*_scoped(schema, school_id, keys, scores.c.assessment_id))
            .distinct()
        )
        without_rows = (
            sa.select(assessments.c.id, groups.c.team_number)
            .select_from(assessments.join(groups, groups.c.id == assessments.c.group_id))
            .where(
                groups.c.team_number.is_not(None),
                ~sa.exists().where(scores.c.assessment_id == assessments.c.id),
                *_scoped(schema, school_id, keys, None),
            )
        )
        team_keys = sa.union_all(of_rows, without_rows).subquery("team_keys")
        mapped = sa.exists().where(
            junction.c.project_assessment_id == team_keys.c.assessment_id,
            same_number(junction.c.team_number, team_keys.c.team_number),
        )
        return sa.select(sa.func.count().label("unmapped")).select_from(team_keys).where(~mapped)

    return _query("unmapped_keys", schema, school_id, keys, build)
