"""Rows that pair a container with a student under an ``active`` flag: enrollments, memberships.

The write primitives both ``courses.enrollments`` and the legacy adapter use: they take many
pairs at once and run a constant number of statements, and count and audit only what the
database reports back (RETURNING), never what an earlier read expected, so concurrent requests
never audit one change twice. No model is named here: each caller passes its own ``PairTable``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select, tuple_, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from teameval.audit_trail import Actor, AuditEntry, record_many
from teameval.kit.upsert import insert_missing
from teameval.models.base import utcnow

Pair = tuple[int, int]


@dataclass
class WriteSummary:
    """What a write changed, as (container id, student id) pairs."""

    created: list[Pair] = field(default_factory=list)
    reactivated: list[Pair] = field(default_factory=list)
    deactivated: list[Pair] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.reactivated or self.deactivated)


@dataclass(frozen=True)
class PairTable:
    """A table of (container, student) rows with an ``active`` flag: enrollments or members."""

    # A mapped class with ``id``, ``active`` and ``updated_at`` columns. Any, because no base
    # class declares those, and this module must not name the (legacy) models it serves.
    model: Any
    container: str
    student: str
    entity: str

    @property
    def table(self) -> Table:
        table: Table = self.model.__table__
        return table

    def column(self, name: str) -> InstrumentedAttribute[int]:
        attribute: InstrumentedAttribute[int] = getattr(self.model, name)
        return attribute

    def key(self) -> tuple[InstrumentedAttribute[int], InstrumentedAttribute[int]]:
        return self.column(self.container), self.column(self.student)


def existing_rows(
    session: Session, kind: PairTable, pairs: Collection[Pair]
) -> dict[Pair, tuple[int, bool]]:
    """(id, active) per existing pair, as plain rows.

    Filtered by two plain IN lists and narrowed to the exact pairs here: a row-value IN of
    thousands of pairs makes a new, slow-to-prepare statement text every time on PostgreSQL.
    Plain rows, not ORM objects: the bulk UPDATEs below bypass the identity map, and stale
    objects from it would make a second call in the same transaction decide wrongly.
    """
    if not pairs:
        return {}
    container, student = kind.key()
    rows = session.execute(
        select(container, student, kind.column("id"), kind.model.active).where(
            container.in_({c for c, _ in pairs}), student.in_({s for _, s in pairs})
        )
    )
    wanted = pairs if isinstance(pairs, set | frozenset) else set(pairs)
    return {(c, s): (row_id, bool(active)) for c, s, row_id, active in rows if (c, s) in wanted}


def set_active(
    session: Session, kind: PairTable, pairs: Collection[Pair], active: bool
) -> dict[Pair, int]:
    """Set ``active`` on those of ``pairs`` whose flag differs; the id of each row changed.

    The condition is in the UPDATE itself and RETURNING says which rows it changed, so two
    racing requests never both count (and audit) one change: the second waits for the first's
    row lock, re-reads the row and finds nothing left to change.
    """
    if not pairs:
        return {}
    container, student = kind.key()
    rows = session.execute(
        update(kind.model)
        .where(tuple_(container, student).in_(sorted(pairs)), kind.model.active.is_not(active))
        .values(active=active, updated_at=utcnow())
        .returning(container, student, kind.column("id")),
        execution_options={"synchronize_session": False},
    )
    return {(c, s): row_id for c, s, row_id in rows}


def activate(
    session: Session,
    actor: Actor,
    kind: PairTable,
    pairs: Iterable[Pair],
    extra: Callable[[Pair], dict[str, int]] | None = None,
) -> WriteSummary:
    """Create missing rows and reactivate inactive ones; a row another writer adds meanwhile is
    skipped by ON CONFLICT, so concurrent requests never fail on the unique key. Only rows the
    database reports as inserted or changed are counted and audited."""
    wanted = set(pairs)
    existing = existing_rows(session, kind, wanted)
    to_create = sorted(wanted - existing.keys())
    to_reactivate = [pair for pair, (_id, active) in existing.items() if not active]
    inserted = insert_missing(
        session,
        kind.table,
        [
            {
                "school_id": actor.school_id,
                kind.container: container,
                kind.student: student,
                **(extra((container, student)) if extra else {}),
            }
            for container, student in to_create
        ],
        [kind.container, kind.student],
        returning=(kind.container, kind.student, "id"),
    )
    created = {(c, s): row_id for c, s, row_id in inserted}
    reactivated = set_active(session, kind, to_reactivate, True)
    summary = WriteSummary(created=sorted(created), reactivated=sorted(reactivated))
    audit(session, actor, kind, summary, created | reactivated)
    return summary


def deactivate(
    session: Session, actor: Actor, kind: PairTable, pairs: Iterable[Pair]
) -> WriteSummary:
    deactivated = set_active(session, kind, set(pairs), False)
    summary = WriteSummary(deactivated=sorted(deactivated))
    audit(session, actor, kind, summary, deactivated)
    return summary


def audit(
    session: Session,
    actor: Actor,
    kind: PairTable,
    summary: WriteSummary,
    ids: dict[Pair, int],
) -> None:
    """Audit rows for the rows a write changed; their ids came back from RETURNING."""
    if not summary.changed:
        return
    entries = [
        AuditEntry(
            action=f"{kind.entity}.{verb}",
            entity_type=kind.entity,
            entity_id=ids.get(pair),
            changes={kind.container: pair[0], "student_id": pair[1]},
        )
        for verb, pairs in (
            ("created", summary.created),
            ("reactivated", summary.reactivated),
            ("deactivated", summary.deactivated),
        )
        for pair in pairs
    ]
    record_many(session, actor, entries)
