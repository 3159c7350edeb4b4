"""The audit log: every write adds its rows inside the caller's transaction (invariant 5)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
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


def record_many(session: Session, actor: Actor, entries: Sequence[AuditEntry]) -> None:
    """One INSERT for any number of entries, so bulk writes stay a constant number of queries."""
    if not entries:
        return
    session.execute(
        insert(AuditLog),
        [
            {
                "school_id": actor.school_id,
                "actor_id": actor.user_id,
                "actor_label": actor.label,
                "action": entry.action,
                "entity_type": entry.entity_type,
                "entity_id": entry.entity_id,
                "changes": entry.changes,
            }
            for entry in entries
        ],
    )
