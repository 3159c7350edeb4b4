"""The one place that writes ``course_enrollments`` and ``group_members`` (invariants 2, 3, 5).

Every function takes many pairs at once and runs a constant number of statements, so a single
API call and a 10,000-row import go through the same code. Ids must already be resolved within
the actor's school (see ``teameval.access``); these functions do not re-check tenancy.

Invariant 2 lives here: adding a membership enrolls first; ending an enrollment ends the
student's memberships in that course's groups, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Table, select, tuple_, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from teameval.audit_trail import Actor, AuditEntry, record_many
from teameval.models import CourseEnrollment, Group, GroupMember
from teameval.models.base import utcnow
from teameval.roster.upsert import insert_missing

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
class _PairTable:
    """A table of (container, student) rows with an ``active`` flag: enrollments or members."""

    model: type[CourseEnrollment] | type[GroupMember]
    container: str
    student: str
    entity: str

    @property
    def table(self) -> Table:
        return self.model.__table__  # type: ignore[return-value]

    def column(self, name: str) -> InstrumentedAttribute[int]:
        attribute: InstrumentedAttribute[int] = getattr(self.model, name)
        return attribute

    def key(self) -> tuple[InstrumentedAttribute[int], InstrumentedAttribute[int]]:
        return self.column(self.container), self.column(self.student)


ENROLLMENTS = _PairTable(CourseEnrollment, "course_id", "student_id", "enrollment")
MEMBERSHIPS = _PairTable(GroupMember, "group_id", "user_id", "group_member")


def _existing(
    session: Session, kind: _PairTable, pairs: Collection[Pair]
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


def _set_active(session: Session, kind: _PairTable, pairs: list[Pair], active: bool) -> None:
    if pairs:
        session.execute(
            update(kind.model)
            .where(tuple_(*kind.key()).in_(pairs))
            .values(active=active, updated_at=utcnow()),
            execution_options={"synchronize_session": False},
        )


def _activate(
    session: Session, actor: Actor, kind: _PairTable, pairs: Iterable[Pair]
) -> WriteSummary:
    """Create missing rows and reactivate inactive ones; a row another writer adds meanwhile is
    skipped by ON CONFLICT, so concurrent requests never fail on the unique key."""
    wanted = set(pairs)
    existing = _existing(session, kind, wanted)
    to_create = sorted(wanted - existing.keys())
    to_reactivate = sorted(pair for pair, (_id, active) in existing.items() if not active)
    insert_missing(
        session,
        kind.table,
        [
            {"school_id": actor.school_id, kind.container: container, kind.student: student}
            for container, student in to_create
        ],
        [kind.container, kind.student],
    )
    _set_active(session, kind, to_reactivate, True)
    summary = WriteSummary(created=to_create, reactivated=to_reactivate)
    _audit(session, actor, kind, summary, {pair: row_id for pair, (row_id, _) in existing.items()})
    return summary


def _deactivate(
    session: Session, actor: Actor, kind: _PairTable, pairs: Iterable[Pair]
) -> WriteSummary:
    existing = _existing(session, kind, set(pairs))
    to_deactivate = sorted(pair for pair, (_id, active) in existing.items() if active)
    _set_active(session, kind, to_deactivate, False)
    summary = WriteSummary(deactivated=to_deactivate)
    _audit(session, actor, kind, summary, {pair: row_id for pair, (row_id, _) in existing.items()})
    return summary


def enroll(session: Session, actor: Actor, pairs: Iterable[Pair]) -> WriteSummary:
    """Make each (course, student) enrollment active: create it, or reactivate it."""
    return _activate(session, actor, ENROLLMENTS, pairs)


def unenroll(session: Session, actor: Actor, pairs: Iterable[Pair]) -> WriteSummary:
    """Deactivate enrollments (never delete) and the student's legacy memberships in that course."""
    wanted = set(pairs)
    summary = _deactivate(session, actor, ENROLLMENTS, wanted)
    if wanted:
        memberships = session.execute(
            select(GroupMember.group_id, GroupMember.user_id)
            .join(Group, Group.id == GroupMember.group_id)
            .where(
                tuple_(Group.course_id, GroupMember.user_id).in_(list(wanted)),
                GroupMember.active.is_(True),
            )
        ).all()
        _deactivate(session, actor, MEMBERSHIPS, [(group, user) for group, user in memberships])
    return summary


def add_to_groups(session: Session, actor: Actor, pairs: Iterable[Pair]) -> WriteSummary:
    """Make each (group, student) membership active, enrolling the student in the group's course."""
    wanted = set(pairs)
    if not wanted:
        return WriteSummary()
    course_of: dict[int, int] = dict(
        session.execute(
            select(Group.id, Group.course_id).where(Group.id.in_({g for g, _ in wanted}))
        ).all()
    )
    enroll(session, actor, {(course_of[group], student) for group, student in wanted})
    return _activate(session, actor, MEMBERSHIPS, wanted)


def remove_from_groups(session: Session, actor: Actor, pairs: Iterable[Pair]) -> WriteSummary:
    """Deactivate memberships; the enrollment stays: leaving a team is not leaving a course."""
    return _deactivate(session, actor, MEMBERSHIPS, pairs)


def _audit(
    session: Session,
    actor: Actor,
    kind: _PairTable,
    summary: WriteSummary,
    known_ids: dict[Pair, int],
) -> None:
    """Audit rows for a write; ids of rows that existed before are known, new ones looked up."""
    if not summary.changed:
        return
    created = _existing(session, kind, set(summary.created))
    ids = known_ids | {pair: row_id for pair, (row_id, _) in created.items()}
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
