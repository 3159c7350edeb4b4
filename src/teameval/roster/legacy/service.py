"""Legacy teams (``groups``) of a course, for the legacy routes, kept only while
``TEAMEVAL_LEGACY_GROUPS=dual-write`` (every route built on this module answers 410 with ``off``).

No table is named here: reads and writes go through ``roster.legacy.adapter``, and membership
writes through ``courses.enrollments`` (joining a team enrolls in the course), so invariant 2
holds on every path.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from teameval.audit_trail import Actor
from teameval.models import Course, User
from teameval.roster.courses import enrollments
from teameval.roster.legacy import adapter
from teameval.roster.legacy.adapter import ensure_team, group_in_course, require_on
from teameval.roster.legacy.schemas import GroupOut, MemberOut

__all__ = [
    "add_member",
    "create_group",
    "ensure_team",
    "group_bodies",
    "group_in_course",
    "groups_of_course",
    "remove_member",
    "require_on",
    "set_team_number",
]


def _bodies(rows: list[tuple[adapter.LegacyGroup, list[adapter.LegacyMember]]]) -> list[GroupOut]:
    return [
        GroupOut(
            id=group.id,
            course_id=group.course_id,
            name=group.name,
            team_number=group.team_number,
            members=[MemberOut(id=m.id, email=m.email, name=m.name) for m in members],
        )
        for group, members in rows
    ]


def group_bodies(session: Session, group_ids: list[int]) -> list[GroupOut]:
    """Groups with their active members, in two queries whatever the number of groups."""
    return _bodies(adapter.groups_with_members(session, group_ids=group_ids))


def groups_of_course(session: Session, course: Course) -> list[GroupOut]:
    return _bodies(adapter.groups_with_members(session, course_id=course.id))


def create_group(
    session: Session, actor: Actor, course: Course, team_number: int, name: str | None
) -> int:
    return adapter.create_group(session, actor, course, team_number, name)


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
    current = adapter.active_groups_in_course(session, course.id, student.id)
    target = ensure_team(session, actor, course, team_number) if team_number else None
    leaving = [(group_id, student.id) for group_id in current if group_id != target]
    enrollments.remove_from_groups(session, actor, leaving)
    if target is not None:
        enrollments.add_to_groups(session, actor, [(target, student.id)])
    return target


def add_member(session: Session, actor: Actor, group_id: int, student: User) -> None:
    enrollments.add_to_groups(session, actor, [(group_id, student.id)])


def remove_member(session: Session, actor: Actor, group_id: int, student: User) -> None:
    """Ends the membership only; the student stays enrolled in the course."""
    enrollments.remove_from_groups(session, actor, [(group_id, student.id)])
