"""The statements of a team layout change: a fixed sequence whatever the number of teams.

``layout`` decides what changes; this module only writes it, in an order that never lets the
partial unique indexes see two current rows for one team number or one student: versions are
retired and member rows deleted before anything is inserted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from teameval.errors import Conflict
from teameval.models import ProjectTeam, ProjectTeamMember
from teameval.roster.legacy.adapter.presence import tables_present

TEAMS = cast(Table, ProjectTeam.__table__)
MEMBERS = cast(Table, ProjectTeamMember.__table__)


@dataclass(frozen=True)
class NewTeamRow:
    """A team version to insert: a new team (version 1) or the successor of a locked one."""

    school_id: int
    project_id: int
    team_number: int
    name: str
    version: int
    previous_version_id: int | None
    team_id: int | None
    backfill_source: str | None
    member_ids: tuple[int, ...]


@dataclass(frozen=True)
class InPlaceEdit:
    """The team-row fields of an unlocked version edited in place."""

    team_id: int
    name: str
    legacy_team_id: int | None
    backfill_source: str | None


@dataclass
class Writes:
    """Everything one change writes; ``apply`` runs it in a constant number of statements."""

    now: datetime
    supersede: list[int] = field(default_factory=list)  # locked versions replaced by a new one
    archive: list[int] = field(default_factory=list)  # versions of removed teams
    delete_member_rows: list[int] = field(default_factory=list)
    edits: list[InPlaceEdit] = field(default_factory=list)
    # (school id, team version id, project id, student id) joining an unlocked version in place
    add_members: list[tuple[int, int, int, int]] = field(default_factory=list)
    new_teams: list[NewTeamRow] = field(default_factory=list)


def apply(session: Session, writes: Writes) -> list[int]:
    """Run ``writes``; answers the ids of ``writes.new_teams``, in order.

    The checks before it run under the project's lock, so a unique index refusing a row here
    means a writer that does not take that lock got in between: a 409, never a 500.
    """
    try:
        return _apply(session, writes)
    except IntegrityError as error:
        raise Conflict(
            "Another change to these teams was made at the same time; nothing saved. "
            "Reload the teams and try again."
        ) from error


def _apply(session: Session, writes: Writes) -> list[int]:
    now = writes.now
    if writes.supersede:
        session.execute(
            update(TEAMS)
            .where(TEAMS.c.id.in_(writes.supersede))
            .values(is_current=False, superseded_at=now, updated_at=now)
        )
    if writes.archive:
        session.execute(
            update(TEAMS)
            .where(TEAMS.c.id.in_(writes.archive))
            .values(is_current=False, archived_at=now, updated_at=now)
        )
    if writes.delete_member_rows:
        session.execute(delete(MEMBERS).where(MEMBERS.c.id.in_(writes.delete_member_rows)))
    links = tables_present(session)  # project_teams.team_id, until phase 6 retires it
    if writes.edits:
        legacy_link: dict[str, Any] = {"team_id": bindparam("b_team_id")} if links else {}
        session.execute(
            update(TEAMS)
            .where(TEAMS.c.id == bindparam("b_id"))
            .values(
                display_name_at_time=bindparam("b_name"),
                **legacy_link,
                backfill_source=bindparam("b_source"),
                updated_at=now,
            ),
            [
                {
                    "b_id": edit.team_id,
                    "b_name": edit.name,
                    "b_team_id": edit.legacy_team_id,
                    "b_source": edit.backfill_source,
                }
                for edit in writes.edits
            ],
        )
    new_ids = _insert_teams(session, writes.new_teams, now, links=links)
    member_rows = [
        _member_row(school_id, team_id, project_id, student_id)
        for school_id, team_id, project_id, student_id in writes.add_members
    ]
    for row, new_id in zip(writes.new_teams, new_ids, strict=True):
        member_rows += [
            _member_row(row.school_id, new_id, row.project_id, student_id)
            for student_id in row.member_ids
        ]
    if member_rows:
        session.execute(insert(MEMBERS), member_rows)
    return new_ids


def _insert_teams(
    session: Session, rows: list[NewTeamRow], now: datetime, *, links: bool
) -> list[int]:
    if not rows:
        return []
    values = [
        {
            "school_id": row.school_id,
            "project_id": row.project_id,
            "team_number": row.team_number,
            "display_name_at_time": row.name,
            "version": row.version,
            "previous_version_id": row.previous_version_id,
            "team_id": row.team_id,
            "backfill_source": row.backfill_source,
            "is_current": True,
            "created_at": now,
            "updated_at": now,
        }
        for row in rows
    ]
    if not links:  # retired: the column is gone, and nothing links to a legacy group any more
        for value in values:
            del value["team_id"]
    # One INSERT … RETURNING (batched by SQLAlchemy's insertmanyvalues). Rows are matched back
    # by (project, team number), unique among the new current versions: asking for parameter
    # order instead would make SQLite insert one row per statement.
    result = session.execute(
        insert(TEAMS).returning(TEAMS.c.id, TEAMS.c.project_id, TEAMS.c.team_number), values
    )
    ids = {(project_id, number): team_id for team_id, project_id, number in result}
    return [ids[(row.project_id, row.team_number)] for row in rows]


def _member_row(school_id: int, team_id: int, project_id: int, student_id: int) -> dict[str, Any]:
    return {
        "school_id": school_id,
        "project_team_id": team_id,
        "project_id": project_id,
        "is_current": True,
        "user_id": student_id,
    }
