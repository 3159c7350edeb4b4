"""INSERT … ON CONFLICT DO NOTHING on either engine, so concurrent writers never collide, and
naming the unique key a failed write collided with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def insert_missing(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    conflict_columns: list[str],
    returning: Sequence[str] = ("id",),
) -> list[tuple[Any, ...]]:
    """Insert ``rows``; a key another transaction inserted meanwhile is skipped, not an error.

    Returns the ``returning`` columns of the rows this statement really inserted (the database
    says so through RETURNING), so callers audit and report only what they changed. A conflict
    on any other unique key than ``conflict_columns`` still raises ``IntegrityError``.
    """
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table).on_conflict_do_nothing(
            index_elements=conflict_columns
        )
    elif dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=conflict_columns)
    else:  # pragma: no cover - only the two supported engines reach here
        raise NotImplementedError(f"Unsupported database dialect {dialect!r}")
    statement = statement.returning(*(table.c[name] for name in returning))
    # With many rows SQLAlchemy batches them as multi-row VALUES ("insertmanyvalues"): a few
    # statements per thousand rows, with the inserted rows coming back from each.
    return [tuple(row) for row in session.execute(statement, list(rows))]


# Unique keys a racing writer can hit, by name (PostgreSQL) and by columns (SQLite's message).
UNIQUE_KEYS = {
    "uq_users_school_id_email": ("users.school_id, users.email", "email"),
    "uq_users_school_id_student_number": (
        "users.school_id, users.student_number",
        "student number",
    ),
    "uq_group_members_course_id_user_id_active": (
        "group_members.course_id, group_members.user_id",
        "active team in this course",
    ),
    "uq_courses_school_id_lower_code": ("courses.school_id, lower(code)", "course code"),
    "uq_courses_school_id_code": ("courses.school_id, courses.code", "course code"),
    "uq_groups_course_id_team_number": ("groups.course_id, groups.team_number", "team number"),
}


def collided_key(error: IntegrityError) -> str | None:
    """What a unique violation collided with ("email", "student number", ...), if known."""
    diag = getattr(error.orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    if constraint in UNIQUE_KEYS:
        return UNIQUE_KEYS[constraint][1]
    message = str(error.orig)
    for name, (sqlite_columns, what) in UNIQUE_KEYS.items():
        if name in message or sqlite_columns in message:
            return what
    return None
