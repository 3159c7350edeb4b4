"""Legacy team and membership writes (called by ``courses.enrollments``, which enrolls first).

Once the legacy tables are retired (``presence``) ending memberships does nothing (there are
none left), and whatever would make or join a legacy team is 410 Gone, as with legacy groups
off: a caller that asked for a team is told, not answered with nothing done.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from sqlalchemy import select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from teameval.audit_trail import Actor, AuditEntry, record, record_many
from teameval.errors import Conflict
from teameval.kit.upsert import insert_missing
from teameval.models import Course, Group, GroupMember
from teameval.models.base import utcnow
from teameval.roster.courses.pair_rows import Pair, PairTable, WriteSummary, activate, audit
from teameval.roster.courses.pair_rows import deactivate as deactivate_pairs
from teameval.roster.legacy.adapter.presence import require_tables, tables_present

TeamKey = tuple[int, int]  # (course id, team number): a legacy team, i.e. a group

MEMBERSHIPS = PairTable(GroupMember, "group_id", "user_id", "group_member")


# --- membership writes (called by courses.enrollments, which enrolls first) ------------------


def courses_of_groups(session: Session, group_ids: Collection[int]) -> dict[int, int]:
    """The course id of each group (the groups a caller is about to join: Gone once retired)."""
    if not group_ids:
        return {}
    require_tables(session)
    query = select(Group.id, Group.course_id).where(Group.id.in_(set(group_ids)))
    return dict(session.execute(query).all())


def activate_memberships(
    session: Session, actor: Actor, pairs: set[Pair], course_of: Mapping[int, int]
) -> WriteSummary:
    """Make each (group, student) membership active; the caller has enrolled them already.

    A student already active in another team of the group's course is a ``Conflict``: the
    database holds one active team per course (a partial unique index), so this also catches
    a concurrent request that moved the student meanwhile. The savepoint keeps the caller's
    transaction usable after that.
    """
    if not pairs:
        return WriteSummary()
    require_tables(session)
    try:
        with session.begin_nested():
            return activate(
                session, actor, MEMBERSHIPS, pairs, lambda pair: {"course_id": course_of[pair[0]]}
            )
    except IntegrityError as error:
        raise _in_another_team(session, pairs, course_of) from error


def _in_another_team(session: Session, wanted: set[Pair], course_of: Mapping[int, int]) -> Conflict:
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


def deactivate_memberships(session: Session, actor: Actor, pairs: Iterable[Pair]) -> WriteSummary:
    """Deactivate (group, student) memberships; never deletes. Nothing to do once retired."""
    pairs = list(pairs)
    if not pairs or not tables_present(session):
        return WriteSummary()
    return deactivate_pairs(session, actor, MEMBERSHIPS, pairs)


def end_memberships_in_courses(
    session: Session, actor: Actor, course_students: Collection[Pair]
) -> WriteSummary:
    """Deactivate every active membership of each (course, student): the half of invariant 2
    that follows an ended enrollment. Runs in both modes, while the tables exist: once phase 6
    retired them there is nothing to end (and a restore brings back what was archived)."""
    if not course_students or not tables_present(session):
        return WriteSummary()
    # group_members carries its group's course_id, so one conditional UPDATE finds them.
    rows = session.execute(
        update(GroupMember)
        .where(
            tuple_(GroupMember.course_id, GroupMember.user_id).in_(sorted(course_students)),
            GroupMember.active.is_(True),
        )
        .values(active=False, updated_at=utcnow())
        .returning(GroupMember.group_id, GroupMember.user_id, GroupMember.id),
        execution_options={"synchronize_session": False},
    )
    left = {(group, user): row_id for group, user, row_id in rows}
    summary = WriteSummary(deactivated=sorted(left))
    audit(session, actor, MEMBERSHIPS, summary, left)
    return summary


# --- teams (groups) --------------------------------------------------------------------------


def default_team_name(course_code: str, team_number: int) -> str:
    return f"{course_code} team {team_number}"


def _audit_created(session: Session, actor: Actor, group_id: int, team: TeamKey, name: str) -> None:
    # The same changes for every "group.created" (create_group, ensure_team(s)).
    course_id, team_number = team
    record(
        session,
        actor,
        "group.created",
        "group",
        group_id,
        {"course_id": course_id, "team_number": team_number, "name": name},
    )


def create_group(
    session: Session, actor: Actor, course: Course, team_number: int, name: str | None
) -> int:
    """A new team of the course; 409 when the course has that team number already."""
    require_tables(session)
    taken = session.scalar(
        select(Group.id).where(Group.course_id == course.id, Group.team_number == team_number)
    )
    if taken is not None:
        raise Conflict(f"Course {course.code} already has team {team_number} (group {taken}).")
    group = Group(
        school_id=course.school_id,
        course_id=course.id,
        team_number=team_number,
        name=(name or "").strip() or default_team_name(course.code, team_number),
    )
    try:
        # A request creating the same team between the check and here loses on the unique
        # key; the savepoint takes the half-made group back and the loser gets the same 409.
        with session.begin_nested():
            session.add(group)
            session.flush()
    except IntegrityError as error:
        raise Conflict(f"Course {course.code} already has team {team_number}.") from error
    _audit_created(session, actor, group.id, (course.id, team_number), group.name)
    return group.id


def ensure_team(session: Session, actor: Actor, course: Course, team_number: int) -> int:
    """The id of the course's team ``team_number``, creating "{code} team {n}" if missing."""
    require_tables(session)
    team = select(Group.id).where(Group.course_id == course.id, Group.team_number == team_number)
    existing = session.scalar(team)
    if existing is not None:
        return existing
    name = default_team_name(course.code, team_number)
    # ON CONFLICT DO NOTHING: a concurrent request creating the same team is not an error, and
    # only the request whose INSERT returned the row audits "group.created".
    inserted = insert_missing(
        session,
        Group.__table__,  # type: ignore[arg-type]
        [
            {
                "school_id": course.school_id,
                "course_id": course.id,
                "team_number": team_number,
                "name": name,
            }
        ],
        ["course_id", "team_number"],
    )
    if not inserted:
        group_id = session.scalar(team)
        assert group_id is not None  # the concurrent writer's committed row
        return group_id
    [(group_id,)] = inserted
    _audit_created(session, actor, int(group_id), (course.id, team_number), name)
    return int(group_id)


def ensure_teams(
    session: Session, actor: Actor, missing: Sequence[TeamKey], code_of_course: Mapping[int, str]
) -> dict[TeamKey, int]:
    """Group ids for teams the caller found missing, creating "{code} team {n}" in bulk."""
    if not missing:
        return {}
    require_tables(session)
    inserted = insert_missing(
        session,
        Group.__table__,  # type: ignore[arg-type]
        [
            {
                "school_id": actor.school_id,
                "course_id": course_id,
                "team_number": number,
                "name": default_team_name(code_of_course[course_id], number),
            }
            for course_id, number in missing
        ],
        ["course_id", "team_number"],
        returning=("id", "course_id", "team_number", "name"),
    )
    # Teams a concurrent writer created meanwhile are found, not created (nor audited) again.
    created = session.execute(
        select(Group.id, Group.course_id, Group.team_number).where(
            tuple_(Group.course_id, Group.team_number).in_(missing)
        )
    ).all()
    record_many(
        session,
        actor,
        [
            AuditEntry(
                "group.created",
                "group",
                group_id,
                {"course_id": course_id, "team_number": number, "name": name},
            )
            for group_id, course_id, number, name in inserted
        ],
    )
    return {(course_id, number): group_id for group_id, course_id, number in created}
