"""The one place that writes ``course_enrollments`` and ``group_members`` (invariants 2, 3, 5).

Every function takes many pairs at once and runs a constant number of statements, so a single
API call and a 10,000-row import go through the same code. Ids must already be resolved within
the actor's school (see ``teameval.access``); these functions do not re-check tenancy.

Invariant 2 lives here: adding a membership enrolls first; ending an enrollment ends the
student's memberships in that course's groups, in the same transaction. Every row written here
is counted and audited from what the database reports back (RETURNING), never from what an
earlier read expected, so concurrent requests never audit one change twice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Table, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from teameval.audit_trail import Actor, AuditEntry, record_many
from teameval.errors import Conflict
from teameval.kit.upsert import insert_missing
from teameval.models import Course, CourseEnrollment, Group, GroupMember, User
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


def _set_active(
    session: Session, kind: _PairTable, pairs: Collection[Pair], active: bool
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


def _activate(
    session: Session,
    actor: Actor,
    kind: _PairTable,
    pairs: Iterable[Pair],
    extra: Callable[[Pair], dict[str, int]] | None = None,
) -> WriteSummary:
    """Create missing rows and reactivate inactive ones; a row another writer adds meanwhile is
    skipped by ON CONFLICT, so concurrent requests never fail on the unique key. Only rows the
    database reports as inserted or changed are counted and audited."""
    wanted = set(pairs)
    existing = _existing(session, kind, wanted)
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
    reactivated = _set_active(session, kind, to_reactivate, True)
    summary = WriteSummary(created=sorted(created), reactivated=sorted(reactivated))
    _audit(session, actor, kind, summary, created | reactivated)
    return summary


def _deactivate(
    session: Session, actor: Actor, kind: _PairTable, pairs: Iterable[Pair]
) -> WriteSummary:
    deactivated = _set_active(session, kind, set(pairs), False)
    summary = WriteSummary(deactivated=sorted(deactivated))
    _audit(session, actor, kind, summary, deactivated)
    return summary


def lock_students(session: Session, student_ids: Iterable[int]) -> None:
    """Hold the students' rows until commit (PostgreSQL ``FOR NO KEY UPDATE``, in id order), so
    writes to one student's enrollments and teams run one after another.

    Without it two moves of one student can deadlock: each waits on an entry the other added to
    a unique index (the pair key, or the one-active-team-per-course key). ``NO KEY`` still lets
    other transactions insert rows that reference the students. SQLite runs one writer at a
    time, so there is nothing to lock there.
    """
    ids = sorted(set(student_ids))
    if ids and session.get_bind().dialect.name == "postgresql":
        session.execute(
            select(User.id)
            .where(User.id.in_(ids))
            .order_by(User.id)
            .with_for_update(key_share=True)
        )


def enroll(session: Session, actor: Actor, pairs: Iterable[Pair]) -> WriteSummary:
    """Make each (course, student) enrollment active: create it, or reactivate it."""
    wanted = set(pairs)
    lock_students(session, (student for _, student in wanted))
    return _activate(session, actor, ENROLLMENTS, wanted)


def unenroll(session: Session, actor: Actor, pairs: Iterable[Pair]) -> WriteSummary:
    """Deactivate enrollments (never delete) and the student's legacy memberships in that course."""
    wanted = set(pairs)
    lock_students(session, (student for _, student in wanted))
    summary = _deactivate(session, actor, ENROLLMENTS, wanted)
    if wanted:
        # group_members carries its group's course_id, so one conditional UPDATE finds them.
        rows = session.execute(
            update(GroupMember)
            .where(
                tuple_(GroupMember.course_id, GroupMember.user_id).in_(sorted(wanted)),
                GroupMember.active.is_(True),
            )
            .values(active=False, updated_at=utcnow())
            .returning(GroupMember.group_id, GroupMember.user_id, GroupMember.id),
            execution_options={"synchronize_session": False},
        )
        left = {(group, user): row_id for group, user, row_id in rows}
        _audit(session, actor, MEMBERSHIPS, WriteSummary(deactivated=sorted(left)), left)
    return summary


def add_to_groups(session: Session, actor: Actor, pairs: Iterable[Pair]) -> WriteSummary:
    """Make each (group, student) membership active, enrolling the student in the group's course.

    A student already active in another team of the group's course is a ``Conflict``: the
    database holds one active team per course (a partial unique index), so this also catches
    a concurrent request that moved the student meanwhile. The savepoint keeps the caller's
    transaction usable after that.
    """
    wanted = set(pairs)
    if not wanted:
        return WriteSummary()
    course_of: dict[int, int] = dict(
        session.execute(
            select(Group.id, Group.course_id).where(Group.id.in_({g for g, _ in wanted}))
        ).all()
    )
    lock_students(session, (student for _, student in wanted))
    _activate(session, actor, ENROLLMENTS, {(course_of[g], student) for g, student in wanted})
    try:
        with session.begin_nested():
            return _activate(
                session, actor, MEMBERSHIPS, wanted, lambda pair: {"course_id": course_of[pair[0]]}
            )
    except IntegrityError as error:
        raise _in_another_team(session, wanted, course_of) from error


def _in_another_team(session: Session, wanted: set[Pair], course_of: dict[int, int]) -> Conflict:
    """Name who is already in another active team of the course (read after the savepoint)."""
    rows = session.execute(
        select(GroupMember.user_id, Course.code, Group.team_number)
        .join(Group, Group.id == GroupMember.group_id)
        .join(Course, Course.id == Group.course_id)
        .where(
            tuple_(GroupMember.course_id, GroupMember.user_id).in_(
                sorted({(course_of[group], student) for group, student in wanted})
            ),
            GroupMember.group_id.not_in({group for group, _ in wanted}),
            GroupMember.active.is_(True),
        )
        .order_by(GroupMember.user_id)
    ).all()
    named = "; ".join(
        f"student {user} is in team {team} of course {code}" for user, code, team in rows[:10]
    )
    return Conflict(
        "A student can be in only one active team per course, and "
        + (named or "another change moved a student to another team meanwhile")
        + ". Nothing was saved; leave that team first or try again.",
    )


def remove_from_groups(session: Session, actor: Actor, pairs: Iterable[Pair]) -> WriteSummary:
    """Deactivate memberships; the enrollment stays: leaving a team is not leaving a course."""
    wanted = set(pairs)
    lock_students(session, (student for _, student in wanted))
    return _deactivate(session, actor, MEMBERSHIPS, wanted)


def _audit(
    session: Session,
    actor: Actor,
    kind: _PairTable,
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
