"""Legacy teams (``groups``) of a course, kept only while ``TEAMEVAL_LEGACY_GROUPS=dual-write``.

Membership writes go through ``courses.enrollments`` (joining a team enrolls in the course), so
invariant 2 holds on every path here. With the legacy model switched off every route built on
this module answers 410 Gone and nothing here runs.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from teameval.audit_trail import Actor, record
from teameval.config import LegacyGroupsMode, Settings
from teameval.errors import Conflict, Gone, NotFound
from teameval.kit.inputs import known_id
from teameval.kit.upsert import insert_missing
from teameval.models import Course, Group, GroupMember, User
from teameval.roster.courses import enrollments
from teameval.roster.legacy.schemas import GroupOut, MemberOut

LEGACY_OFF_DETAIL = (
    "The legacy team API is switched off (TEAMEVAL_LEGACY_GROUPS=off). Course membership is "
    "managed through enrollments: use GET/POST /api/v1/courses/{course_id}/students and "
    "DELETE /api/v1/courses/{course_id}/students/{student_id}; teams are formed per project "
    "(project teams)."
)


def require_legacy_groups(settings: Settings) -> None:
    if settings.legacy_groups is LegacyGroupsMode.OFF:
        raise Gone(LEGACY_OFF_DETAIL, replacement="/api/v1/courses/{course_id}/students")


def default_team_name(course: Course, team_number: int) -> str:
    return f"{course.code} team {team_number}"


def group_in_course(session: Session, course: Course, group_id: int) -> Group:
    """A group of this course; another course's or school's group is 404 like a missing one."""
    known_id(group_id, f"Course {course.id} has no group with id {group_id}.")
    group = session.scalar(select(Group).where(Group.id == group_id, Group.course_id == course.id))
    if group is None:
        raise NotFound(f"Course {course.id} has no group with id {group_id}.")
    return group


def group_bodies(session: Session, groups: list[Group]) -> list[GroupOut]:
    """Groups with their active members, in two queries whatever the number of groups."""
    members: dict[int, list[MemberOut]] = defaultdict(list)
    if groups:
        rows = session.execute(
            select(GroupMember.group_id, User.id, User.email, User.name)
            .join(User, User.id == GroupMember.user_id)
            .where(GroupMember.group_id.in_([g.id for g in groups]), GroupMember.active.is_(True))
            .order_by(User.name, User.id)
        )
        for group_id, user_id, email, name in rows:
            members[group_id].append(MemberOut(id=user_id, email=email, name=name))
    return [
        GroupOut(
            id=group.id,
            course_id=group.course_id,
            name=group.name,
            team_number=group.team_number,
            members=members.get(group.id, []),
        )
        for group in groups
    ]


def groups_of_course(session: Session, course: Course) -> list[GroupOut]:
    groups = session.scalars(
        select(Group).where(Group.course_id == course.id).order_by(Group.team_number)
    ).all()
    return group_bodies(session, list(groups))


def create_group(
    session: Session, actor: Actor, course: Course, team_number: int, name: str | None
) -> Group:
    taken = session.scalar(
        select(Group.id).where(Group.course_id == course.id, Group.team_number == team_number)
    )
    if taken is not None:
        raise Conflict(f"Course {course.code} already has team {team_number} (group {taken}).")
    group = Group(
        school_id=course.school_id,
        course_id=course.id,
        team_number=team_number,
        name=(name or "").strip() or default_team_name(course, team_number),
    )
    try:
        # A request creating the same team between the check and here loses on the unique
        # key; the savepoint takes the half-made group back and the loser gets the same 409.
        with session.begin_nested():
            session.add(group)
            session.flush()
    except IntegrityError as error:
        raise Conflict(f"Course {course.code} already has team {team_number}.") from error
    record(
        session,
        actor,
        "group.created",
        "group",
        group.id,
        {"course_id": course.id, "team_number": team_number, "name": group.name},
    )
    return group


def ensure_team(session: Session, actor: Actor, course: Course, team_number: int) -> int:
    """The id of the course's team ``team_number``, creating "{code} team {n}" if missing."""
    team = select(Group.id).where(Group.course_id == course.id, Group.team_number == team_number)
    existing = session.scalar(team)
    if existing is not None:
        return existing
    name = default_team_name(course, team_number)
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
    # The same changes as every other "group.created" (create_group, the student sync).
    record(
        session,
        actor,
        "group.created",
        "group",
        group_id,
        {"course_id": course.id, "team_number": team_number, "name": name},
    )
    return int(group_id)


def _active_groups_in_course(session: Session, course: Course, student: User) -> list[int]:
    return list(
        session.scalars(
            select(GroupMember.group_id).where(
                GroupMember.course_id == course.id,
                GroupMember.user_id == student.id,
                GroupMember.active.is_(True),
            )
        )
    )


def set_team_number(
    session: Session, actor: Actor, course: Course, student: User, team_number: int | None
) -> int | None:
    """Move the student to team ``team_number`` of the course (None: to no team).

    Leaves every other team of this course and joins the new one, which enrolls the student.
    Returns the group id joined, if any. Racing moves of one student run one after another
    (a row lock on the student), each from the teams the previous one left; should a write
    still find the student active in another team of the course, the database's one-team-
    per-course index refuses it and this is a ``Conflict`` (409) with nothing changed.
    """
    # Moves of one student run one after another (see lock_students), so each reads the
    # teams the previous one left.
    enrollments.lock_students(session, [student.id])
    current = _active_groups_in_course(session, course, student)
    target = ensure_team(session, actor, course, team_number) if team_number else None
    leaving = [(group_id, student.id) for group_id in current if group_id != target]
    enrollments.remove_from_groups(session, actor, leaving)
    if target is not None:
        enrollments.add_to_groups(session, actor, [(target, student.id)])
    return target


def add_member(session: Session, actor: Actor, group: Group, student: User) -> None:
    enrollments.add_to_groups(session, actor, [(group.id, student.id)])


def remove_member(session: Session, actor: Actor, group: Group, student: User) -> None:
    """Ends the membership only; the student stays enrolled in the course."""
    enrollments.remove_from_groups(session, actor, [(group.id, student.id)])
