"""The audit log: every write adds its rows inside the caller's transaction (invariant 5)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, Table, insert
from sqlalchemy.orm import Session

from teameval.models import AuditLog


@dataclass(frozen=True)
class Actor:
    """Who is writing: a signed-in user, or a command-line run on behalf of a school."""

    school_id: int
    user_id: int | None
    label: str

    @classmethod
    def command_line(cls, school_id: int, command: str) -> Actor:
        return cls(school_id=school_id, user_id=None, label=f"cli:{command}")


@dataclass(frozen=True)
class AuditEntry:
    action: str
    entity_type: str
    entity_id: int | None
    changes: dict[str, Any] = field(default_factory=dict)


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: int | None,
    changes: dict[str, Any] | None = None,
) -> None:
    record_many(session, actor, [AuditEntry(action, entity_type, entity_id, changes or {})])


# Past this many rows, PostgreSQL gets them through COPY: a 10,000-student import writes ~50,000
# audit rows, and COPY takes a fraction of the time of even a pipelined executemany.
COPY_THRESHOLD = 1000
_COLUMNS = ("school_id", "actor_id", "actor_label", "action", "entity_type", "entity_id", "changes")


def record_many(session: Session, actor: Actor, entries: Sequence[AuditEntry]) -> None:
    """Add audit rows in bulk, inside the session's transaction; never one statement per row."""
    if not entries:
        return
    rows = [
        (
            actor.school_id,
            actor.user_id,
            actor.label,
            entry.action,
            entry.entity_type,
            entry.entity_id,
            entry.changes,
        )
        for entry in entries
    ]
    connection = session.connection()
    if connection.dialect.name == "postgresql" and len(rows) >= COPY_THRESHOLD:
        _copy_into_postgres(connection, rows)
        return
    connection.execute(
        insert(cast(Table, AuditLog.__table__)),
        [dict(zip(_COLUMNS, row, strict=True)) for row in rows],
    )


def _copy_into_postgres(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    # The driver connection is the one the session's transaction runs on, so the rows commit or
    # roll back with the write they describe.
    driver_connection = connection.connection.driver_connection
    assert driver_connection is not None
    columns = ", ".join(_COLUMNS)
    with (
        driver_connection.cursor() as cursor,
        cursor.copy(f"COPY audit_logs ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row((*row[:-1], json.dumps(row[-1])))
