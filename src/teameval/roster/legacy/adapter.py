"""The legacy adapter: the one module that reads or writes ``groups`` / ``group_members``, and the
one that reads ``TEAMEVAL_LEGACY_GROUPS`` (a test walks the source and fails on any other).

``dual-write`` (the default): legacy teams are written in step with enrollments and shown.

``off``, exactly (README, docs/api.md and docs/import.md say the same):

- No route or command creates or activates a legacy team or membership. Every legacy route
  (``/courses/{id}/groups...`` and ``PUT /courses/{id}/students/{student_id}/team``) answers
  410 Gone; ``teams`` in a student body is 422; the import ignores a ``team`` column, with a
  warning, and still applies the rest of each row.
- Legacy data is not shown: a course roster's ``team_number`` and ``group_id`` are null, a
  student's ``teams`` is an empty list, and the export has no ``team`` column.
- Ending an enrollment still deactivates that student's memberships in that course while the
  tables exist (invariant 2), so the phase 1 backfill never re-enrolls someone who was
  unenrolled. That UPDATE (audited ``group_member.deactivated``) is the only legacy write left.

``teameval demo`` is outside this: it seeds a legacy-shaped demo school on purpose, in either mode.

Membership writes are the second half of ``courses.enrollments``' writes, which enroll first and
call in here; nothing here enrolls. Callers pass resolved ids (see ``teameval.access``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import NamedTuple

from sqlalchemy import select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from teameval.audit_trail import Actor, AuditEntry, record, record_many
from teameval.config import LegacyGroupsMode, Settings
from teameval.errors import Conflict, Gone, NotFound
from teameval.kit.inputs import known_id
from teameval.kit.upsert import insert_missing
from teameval.models import Course, Group, GroupMember, User
from teameval.models.base import utcnow
from teameval.roster.courses.pair_rows import Pair, PairTable, WriteSummary, activate, audit
from teameval.roster.courses.pair_rows import deactivate as deactivate_pairs

TeamKey = tuple[int, int]  # (course id, team number): a legacy team, i.e. a group

MEMBERSHIPS = PairTable(GroupMember, "group_id", "user_id", "group_member")

LEGACY_OFF_DETAIL = (
    "The legacy team API is switched off (TEAMEVAL_LEGACY_GROUPS=off). Course membership is "
    "managed through enrollments: use GET/POST /api/v1/courses/{course_id}/students and "
    "DELETE /api/v1/courses/{course_id}/students/{student_id}; teams are formed per project "
    "(project teams)."
)


# --- the mode ------------------------------------------------------------------------------


def is_on(settings: Settings) -> bool:
    """Whether legacy teams are written and shown (``dual-write``)."""
    return settings.legacy_groups is LegacyGroupsMode.DUAL_WRITE


def require_on(settings: Settings) -> None:
    """410 Gone, naming what replaces it, while legacy teams are off."""
    if not is_on(settings):
        raise Gone(LEGACY_OFF_DETAIL, replacement="/api/v1/courses/{course_id}/students")


# --- membership writes (called by courses.enrollments, which enrolls first) ------------------


def courses_of_groups(session: Session, group_ids: Collection[int]) -> dict[int, int]:
    """The course id of each group."""
    if not group_ids:
        return {}
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
    """Deactivate (group, student) memberships; never deletes."""
    return deactivate_pairs(session, actor, MEMBERSHIPS, pairs)


def end_memberships_in_courses(
    session: Session, actor: Actor, course_students: Collection[Pair]
) -> WriteSummary:
    """Deactivate every active membership of each (course, student): the half of invariant 2
    that follows an ended enrollment. Runs in both modes, while the tables exist."""
    if not course_students:
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


def group_in_course(session: Session, course: Course, group_id: int) -> int:
    """The id of a group of this course; another course's or school's group is 404 like a
    missing one."""
    known_id(group_id, f"Course {course.id} has no group with id {group_id}.")
    found = session.scalar(
        select(Group.id).where(Group.id == group_id, Group.course_id == course.id)
    )
    if found is None:
        raise NotFound(f"Course {course.id} has no group with id {group_id}.")
    return found


# --- reads -----------------------------------------------------------------------------------


class LegacyGroup(NamedTuple):
    id: int
    course_id: int
    name: str
    team_number: int


class LegacyMember(NamedTuple):
    id: int
    email: str
    name: str


def groups_with_members(
    session: Session, *, course_id: int | None = None, group_ids: Collection[int] = ()
) -> list[tuple[LegacyGroup, list[LegacyMember]]]:
    """Groups (of a course, or by id) in team-number order with their active members, in two
    queries whatever the number of groups."""
    query = select(Group.id, Group.course_id, Group.name, Group.team_number)
    if course_id is not None:
        query = query.where(Group.course_id == course_id)
    else:
        query = query.where(Group.id.in_(set(group_ids)))
    groups = [LegacyGroup(*row) for row in session.execute(query.order_by(Group.team_number))]
    members: dict[int, list[LegacyMember]] = defaultdict(list)
    if groups:
        rows = session.execute(
            select(GroupMember.group_id, User.id, User.email, User.name)
            .join(User, User.id == GroupMember.user_id)
            .where(GroupMember.group_id.in_([g.id for g in groups]), GroupMember.active.is_(True))
            .order_by(User.name, User.id)
        )
        for group_id, user_id, email, name in rows:
            members[group_id].append(LegacyMember(user_id, email, name))
    return [(group, members.get(group.id, [])) for group in groups]


def active_groups_in_course(session: Session, course_id: int, student_id: int) -> list[int]:
    return list(
        session.scalars(
            select(GroupMember.group_id).where(
                GroupMember.course_id == course_id,
                GroupMember.user_id == student_id,
                GroupMember.active.is_(True),
            )
        )
    )


class ShownTeam(NamedTuple):
    course_code: str
    team_number: int
    group_id: int


def active_teams_of(session: Session, student_ids: Sequence[int]) -> dict[int, list[ShownTeam]]:
    """Each student's active teams, by course code and team number. Views show them only while
    ``is_on``."""
    found: dict[int, list[ShownTeam]] = defaultdict(list)
    if not student_ids:
        return found
    rows = session.execute(
        select(GroupMember.user_id, Course.code, Group.team_number, Group.id)
        .join(Group, Group.id == GroupMember.group_id)
        .join(Course, Course.id == Group.course_id)
        .where(GroupMember.user_id.in_(student_ids), GroupMember.active.is_(True))
        .order_by(Course.code, Group.team_number)
    )
    for student_id, code, team_number, group_id in rows:
        found[student_id].append(ShownTeam(code, team_number, group_id))
    return found


def active_team_in_course(
    session: Session, course_id: int, student_ids: Sequence[int]
) -> dict[int, tuple[int, int]]:
    """(team number, group id) of each student's active team in the course. Views show it only
    while ``is_on``. At most one per student and course (a unique index since migration 0003).
    """
    if not student_ids:
        return {}
    rows = session.execute(
        select(GroupMember.user_id, Group.team_number, Group.id)
        .join(Group, Group.id == GroupMember.group_id)
        .where(
            Group.course_id == course_id,
            GroupMember.user_id.in_(student_ids),
            GroupMember.active.is_(True),
        )
    )
    return {user_id: (team_number, group_id) for user_id, team_number, group_id in rows}


def teams_of_courses(session: Session, course_ids: Collection[int]) -> list[tuple[int, TeamKey]]:
    """(group id, (course id, team number)) of every team of these courses: the import's and
    the student sync's team planning."""
    if not course_ids:
        return []
    rows = session.execute(
        select(Group.id, Group.course_id, Group.team_number).where(
            Group.course_id.in_(set(course_ids))
        )
    )
    return [(group_id, (course_id, number)) for group_id, course_id, number in rows]


def active_memberships_of(
    session: Session, student_ids: Collection[int]
) -> list[tuple[int, int, TeamKey, str]]:
    """(student id, group id, (course id, team number), course code) of each active membership:
    what the student sync plans team changes from."""
    if not student_ids:
        return []
    rows = session.execute(
        select(GroupMember.user_id, Group.id, Group.course_id, Group.team_number, Course.code)
        .join(Group, Group.id == GroupMember.group_id)
        .join(Course, Course.id == Group.course_id)
        .where(GroupMember.user_id.in_(student_ids), GroupMember.active.is_(True))
    )
    return [
        (student_id, group_id, (course_id, number), code)
        for student_id, group_id, course_id, number, code in rows
    ]
