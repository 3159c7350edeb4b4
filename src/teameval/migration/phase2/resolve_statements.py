"""The statements of ``teameval resolve duplicate-scores`` (``resolve``), as runner queries.

A move copies rows whole: every column the source table has, named from the probe (not only
the columns phase 2 reads), so a comment or a column added by a later release travels too.
On PostgreSQL one statement moves a batch: ``WITH moved AS (DELETE … RETURNING *) INSERT …
SELECT … FROM moved``, so the archived copy is exactly the row version deleted, even when a
teacher saves that row at the same moment. SQLite has no DML in a CTE; there the batch is
``INSERT … SELECT`` then ``DELETE`` of exactly the ids just copied, and SQLite's single writer
lock (taken by the INSERT) keeps anyone from writing in between.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from teameval.migration.phase2.probe import ARCHIVE, ARCHIVE_EXTRA_COLUMNS, AssessmentSchema
from teameval.migration.runner.batches import KeyRange
from teameval.migration.runner.query import Query

if TYPE_CHECKING:
    import sqlalchemy as sa

SCORES = "project_assessment_scores"
REASON = "duplicate_team_score"
REASON_PARAMETER = "archive_reason"


def moved_columns(schema: AssessmentSchema) -> tuple[str, ...]:
    """The columns a move copies: all of the scores table's, in its order."""
    return schema.columns(SCORES)


def missing_archive_columns(schema: AssessmentSchema) -> list[str]:
    """Columns of the scores table the archive lacks: a move would lose them."""
    archived = set(schema.columns(ARCHIVE))
    return [name for name in moved_columns(schema) if name not in archived]


def _query(
    name: str,
    schema: AssessmentSchema,
    school_id: int | None,
    keys: KeyRange | None,
    build: Callable[[], sa.Executable],
) -> Query:
    from teameval.migration.phase2.statements import SCHOOL_PARAMETER

    shape = ("all",) if keys is None else keys.shape
    values: dict[str, Any] = {REASON_PARAMETER: REASON}
    values.update({} if keys is None else keys.values)
    if school_id is not None:
        values[SCHOOL_PARAMETER] = school_id
    # The column lists are part of the SQL: a table that gained a column is another statement.
    columns = ",".join(moved_columns(schema))
    key = (f"phase2.resolve.{name}", schema.signature, columns, school_id is not None, *shape)
    return Query(key, build, values)


def _whole(schema: AssessmentSchema, name: str) -> sa.Table:
    """``name`` with every column it has (``schema.table`` holds only the ones phase 2 reads).
    Another Table object of the same name: the statements below never join it with those."""
    import sqlalchemy as sa

    return sa.Table(name, sa.MetaData(), *[sa.Column(c) for c in schema.columns(name)])


def _reason() -> sa.BindParameter[Any]:
    import sqlalchemy as sa

    return sa.bindparam(REASON_PARAMETER, REASON, type_=sa.String)


def _scoped_assessments(
    schema: AssessmentSchema, school_id: int | None, keys: KeyRange | None
) -> sa.Select[Any]:
    """Ids of the assessments in scope (the school's, within the batch's range)."""
    import sqlalchemy as sa

    from teameval.migration.phase2.statements import assessment_scope

    assessments, groups = schema.table("project_assessments"), schema.table("groups")
    return (
        sa.select(assessments.c.id)
        .select_from(assessments.join(groups, groups.c.id == assessments.c.group_id))
        .where(*assessment_scope(schema, school_id=school_id, assessments=keys))
    )


def excess_totals(schema: AssessmentSchema, school_id: int | None, keys: KeyRange | None) -> Query:
    """Excess rows and the groups they belong to (one kept row per group: its id names it)."""

    def build() -> sa.Executable:
        import sqlalchemy as sa

        from teameval.migration.phase2.duplicates import excess_team_score_rows

        excess = excess_team_score_rows(schema, school_id=school_id, assessments=keys).subquery()
        return sa.select(
            sa.func.count().label("excess_rows"),
            sa.func.count(sa.distinct(excess.c.kept_id)).label("groups"),
        )

    return _query("excess_totals", schema, school_id, keys, build)


def archived_totals(
    schema: AssessmentSchema, school_id: int | None, keys: KeyRange | None
) -> Query:
    """Archived duplicates in scope (what ``--restore`` moves back) and their groups."""

    def build() -> sa.Select[Any]:
        import sqlalchemy as sa

        from teameval.migration.phase2.statements import assessment_scope

        archive = _whole(schema, ARCHIVE)
        assessments, groups = schema.table("project_assessments"), schema.table("groups")
        joined = archive.join(assessments, assessments.c.id == archive.c.assessment_id).join(
            groups, groups.c.id == assessments.c.group_id
        )
        rows = (
            sa.select(
                archive.c.assessment_id,
                sa.func.coalesce(archive.c.team_number, groups.c.team_number).label("t"),
                archive.c.criterion_id,
            )
            .select_from(joined)
            .where(
                archive.c.reason == _reason(),
                *assessment_scope(
                    schema, school_id=school_id, assessments=keys, column=archive.c.assessment_id
                ),
            )
            .subquery("archived")
        )
        # A group is (assessment, t, criterion); NULL t like a value, as DISTINCT does.
        distinct = sa.select(rows.c.assessment_id, rows.c.t, rows.c.criterion_id).distinct()
        return sa.select(
            sa.select(sa.func.count()).select_from(rows).scalar_subquery().label("archived_rows"),
            sa.select(sa.func.count())
            .select_from(distinct.subquery())
            .scalar_subquery()
            .label("groups"),
        )

    return _query("archived_totals", schema, school_id, keys, build)


def _excess_ids(
    schema: AssessmentSchema, school_id: int | None, keys: KeyRange | None
) -> sa.Select[Any]:
    import sqlalchemy as sa

    from teameval.migration.phase2.duplicates import excess_team_score_rows

    excess = excess_team_score_rows(schema, school_id=school_id, assessments=keys)
    return sa.select(excess.subquery("excess").c.id)


def _stamp_and_reason() -> list[Any]:
    import sqlalchemy as sa

    # The server's clock, not the tool's: one time base with the rest of the database.
    return [sa.func.current_timestamp(), _reason()]


@dataclass(frozen=True)
class Move:
    """One batch's move: on PostgreSQL ``copy`` alone, a statement returning the ids moved; on
    SQLite ``copy`` (its rowcount the rows copied) and ``delete`` (which must match it)."""

    copy: Query
    delete: Query | None = None


def archive_batch(schema: AssessmentSchema, school_id: int | None, keys: KeyRange) -> Move:
    """The move of one batch's excess rows into the archive."""
    columns = moved_columns(schema)
    into = [*columns, *ARCHIVE_EXTRA_COLUMNS]

    def in_one() -> sa.Insert:
        import sqlalchemy as sa

        scores, archive = _whole(schema, SCORES), _whole(schema, ARCHIVE)
        moved = (
            sa.delete(scores)
            .where(scores.c.id.in_(_excess_ids(schema, school_id, keys)))
            .returning(*[scores.c[c] for c in columns])
            .cte("moved")
        )
        rows = sa.select(*[moved.c[c] for c in columns], *_stamp_and_reason())
        insert = sa.insert(archive).from_select(into, rows).add_cte(moved)
        return insert.returning(archive.c.id)

    if schema.dialect == "postgresql":
        return Move(_query("archive_in_one", schema, school_id, keys, in_one))

    def copy() -> sa.Insert:
        import sqlalchemy as sa

        scores, archive = _whole(schema, SCORES), _whole(schema, ARCHIVE)
        rows = sa.select(*[scores.c[c] for c in columns], *_stamp_and_reason()).where(
            scores.c.id.in_(_excess_ids(schema, school_id, keys))
        )
        return sa.insert(archive).from_select(into, rows)

    def delete() -> sa.Delete:
        import sqlalchemy as sa

        scores, archive = _whole(schema, SCORES), _whole(schema, ARCHIVE)
        copied = sa.exists().where(archive.c.id == scores.c.id, archive.c.reason == _reason())
        return sa.delete(scores).where(copied, *keys.clause(scores.c.assessment_id))

    return Move(
        _query("archive_copy", schema, school_id, keys, copy),
        _query("archive_delete", schema, None, keys, delete),
    )


def restore_batch(schema: AssessmentSchema, school_id: int | None, keys: KeyRange) -> Move:
    """The move of one batch's archived duplicates back into the scores table."""
    columns = moved_columns(schema)

    def archived(archive: sa.Table) -> list[Any]:
        return [
            archive.c.reason == _reason(),
            archive.c.assessment_id.in_(_scoped_assessments(schema, school_id, keys)),
        ]

    def in_one() -> sa.Insert:
        import sqlalchemy as sa

        scores, archive = _whole(schema, SCORES), _whole(schema, ARCHIVE)
        moved = (
            sa.delete(archive)
            .where(*archived(archive))
            .returning(*[archive.c[c] for c in columns])
            .cte("moved")
        )
        rows = sa.select(*[moved.c[c] for c in columns])
        insert = sa.insert(scores).from_select(list(columns), rows).add_cte(moved)
        return insert.returning(scores.c.id)

    if schema.dialect == "postgresql":
        return Move(_query("restore_in_one", schema, school_id, keys, in_one))

    def copy() -> sa.Insert:
        import sqlalchemy as sa

        scores, archive = _whole(schema, SCORES), _whole(schema, ARCHIVE)
        rows = sa.select(*[archive.c[c] for c in columns]).where(*archived(archive))
        return sa.insert(scores).from_select(list(columns), rows)

    def delete() -> sa.Delete:
        import sqlalchemy as sa

        scores, archive = _whole(schema, SCORES), _whole(schema, ARCHIVE)
        restored = sa.exists().where(scores.c.id == archive.c.id)
        return sa.delete(archive).where(*archived(archive), restored)

    return Move(
        _query("restore_copy", schema, school_id, keys, copy),
        _query("restore_delete", schema, school_id, keys, delete),
    )
