"""The one place that writes ``course_enrollments`` and ``group_members`` (invariants 2, 3, 5).

Every function takes many pairs at once and runs a constant number of statements, so a single
API call and a 10,000-row import go through the same code. Ids must already be resolved within
the actor's school (see ``teameval.access``); these functions do not re-check tenancy.

Invariant 2 lives here: adding a membership enrolls first; ending an enrollment ends the
student's memberships in that course's groups, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session

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

    def merge(self, other: WriteSummary) -> WriteSummary:
        return WriteSummary(
            self.created + other.created,
            self.reactivated + other.reactivated,
            self.deactivated + other.deactivated,
        )


@dataclass(frozen=True)
class _Row:
    id: int
    active: bool


# Plain column rows, not ORM objects: bulk UPDATEs below bypass the identity map, and stale
# objects from it would make a second call in the same transaction decide wrongly.
Lookup = Callable[[Session, Collection[Pair]], dict[Pair, _Row]]


def _existing_enrollments(session: Session, pairs: Collection[Pair]) -> dict[Pair, _Row]:
    if not pairs:
        return {}
    rows = session.execute(
        select(
            CourseEnrollment.course_id,
            CourseEnrollment.student_id,
            CourseEnrollment.id,
            CourseEnrollment.active,
        ).where(tuple_(CourseEnrollment.course_id, CourseEnrollment.student_id).in_(list(pairs)))
    )
    return {(course, student): _Row(id_, bool(active)) for course, student, id_, active in rows}


def enroll(session: Session, actor: Actor, pairs: Iterable[Pair]) -> WriteSummary:
    """Make each (course, student) enrollment active: create it, or reactivate it."""
    wanted = set(pairs)
    existing = _existing_enrollments(session, wanted)
    to_create = sorted(wanted - existing.keys())
    to_reactivate = sorted(pair for pair, row in existing.items() if not row.active)
    insert_missing(
        session,
        CourseEnrollment.__table__,  # type: ignore[arg-type]
        [
            {"school_id": actor.school_id, "course_id": course, "student_id": student}
            for course, student in to_create
        ],
        ["course_id", "student_id"],
    )
    if to_reactivate:
        session.execute(
            update(CourseEnrollment)
            .where(
                tuple_(CourseEnrollment.course_id, CourseEnrollment.student_id).in_(to_reactivate)
            )
            .values(active=True, updated_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
    summary = WriteSummary(created=to_create, reactivated=to_reactivate)
    _audit(session, actor, summary, "enrollment", _existing_enrollments)
    return summary


def unenroll(session: Session, actor: Actor, pairs: Iterable[Pair]) -> WriteSummary:
    """Deactivate enrollments (never delete) and the student's legacy memberships in that course."""
    wanted = set(pairs)
    existing = _existing_enrollments(session, wanted)
    to_deactivate = sorted(pair for pair, row in existing.items() if row.active)
    if to_deactivate:
        session.execute(
            update(CourseEnrollment)
            .where(
                tuple_(CourseEnrollment.course_id, CourseEnrollment.student_id).in_(to_deactivate)
            )
            .values(active=False, updated_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
    summary = WriteSummary(deactivated=to_deactivate)
    _audit(session, actor, summary, "enrollment", _existing_enrollments)
    memberships = session.execute(
        select(GroupMember.group_id, GroupMember.user_id)
        .join(Group, Group.id == GroupMember.group_id)
        .where(
            tuple_(Group.course_id, GroupMember.user_id).in_(list(wanted)),
            GroupMember.active.is_(True),
        )
    ).all()
    if memberships:
        _deactivate_memberships(session, actor, [(g, u) for g, u in memberships])
    return summary


def _existing_memberships(session: Session, pairs: Collection[Pair]) -> dict[Pair, _Row]:
    if not pairs:
        return {}
    rows = session.execute(
        select(GroupMember.group_id, GroupMember.user_id, GroupMember.id, GroupMember.active).where(
            tuple_(GroupMember.group_id, GroupMember.user_id).in_(list(pairs))
        )
    )
    return {(group, student): _Row(id_, bool(active)) for group, student, id_, active in rows}


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
    existing = _existing_memberships(session, wanted)
    to_create = sorted(wanted - existing.keys())
    to_reactivate = sorted(pair for pair, row in existing.items() if not row.active)
    insert_missing(
        session,
        GroupMember.__table__,  # type: ignore[arg-type]
        [
            {"school_id": actor.school_id, "group_id": group, "user_id": student}
            for group, student in to_create
        ],
        ["group_id", "user_id"],
    )
    if to_reactivate:
        session.execute(
            update(GroupMember)
            .where(tuple_(GroupMember.group_id, GroupMember.user_id).in_(to_reactivate))
            .values(active=True, updated_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
    summary = WriteSummary(created=to_create, reactivated=to_reactivate)
    _audit(session, actor, summary, "group_member", _existing_memberships)
    return summary


def remove_from_groups(session: Session, actor: Actor, pairs: Iterable[Pair]) -> WriteSummary:
    """Deactivate memberships; the enrollment stays: leaving a team is not leaving a course."""
    return _deactivate_memberships(session, actor, set(pairs))


def _deactivate_memberships(
    session: Session, actor: Actor, pairs: Collection[Pair]
) -> WriteSummary:
    existing = _existing_memberships(session, pairs)
    to_deactivate = sorted(pair for pair, row in existing.items() if row.active)
    if to_deactivate:
        session.execute(
            update(GroupMember)
            .where(tuple_(GroupMember.group_id, GroupMember.user_id).in_(to_deactivate))
            .values(active=False, updated_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
    summary = WriteSummary(deactivated=to_deactivate)
    _audit(session, actor, summary, "group_member", _existing_memberships)
    return summary


def _audit(
    session: Session, actor: Actor, summary: WriteSummary, entity: str, lookup: Lookup
) -> None:
    if not summary.changed:
        return
    touched = {*summary.created, *summary.reactivated, *summary.deactivated}
    ids = {pair: row.id for pair, row in lookup(session, touched).items()}
    container = "course_id" if entity == "enrollment" else "group_id"
    entries = [
        AuditEntry(
            action=f"{entity}.{verb}",
            entity_type=entity,
            entity_id=ids.get(pair),
            changes={container: pair[0], "student_id": pair[1]},
        )
        for verb, pairs in (
            ("created", summary.created),
            ("reactivated", summary.reactivated),
            ("deactivated", summary.deactivated),
        )
        for pair in pairs
    ]
    record_many(session, actor, entries)
