"""What the rest of the roster reads of legacy teams: rosters, bodies, the sync and the export;
and the legacy access predicate the live shadow comparison evaluates (phase 3).

Each read that queries the legacy tables notes itself (``watch.tally.note_read``): a request or
command that reads legacy data through here is counted in ``legacy_usage_counts`` (kind
``read``), which is how the retirement knows what still leans on the legacy tables. The shadow
predicate is not a read of that kind: it is the watch itself.

On a database whose legacy tables are retired (``presence``), what the rest of the roster shows
or plans from is empty, and the reads behind a legacy team feature (a legacy route, the copy
from groups) are 410 Gone; the shadow predicate is not asked then (``watch.shadow_switch``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import NamedTuple

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from teameval.errors import NotFound
from teameval.kit.inputs import known_id
from teameval.models import Course, Group, GroupMember, User
from teameval.roster.legacy.adapter.presence import require_tables, tables_present
from teameval.roster.legacy.adapter.writes import TeamKey
from teameval.roster.legacy.watch.tally import note_read


def legacy_member_of_course(
    student_id: int,
    school_id: int,
    course_id: ColumnElement[int] | InstrumentedAttribute[int],
) -> ColumnElement[bool]:
    """The legacy access decision: an active membership of the student in a group of
    ``course_id`` (a column: correlated per row), member and group in the caller's school, as
    phase 1's eligible pairs count them. Only for the shadow comparison: access itself rests on
    enrollments (``access.courses.enrolled``)."""
    return exists().where(
        GroupMember.user_id == student_id,
        GroupMember.active.is_(True),
        GroupMember.school_id == school_id,
        Group.id == GroupMember.group_id,
        Group.school_id == school_id,
        Group.course_id == course_id,
    )


def group_in_course(session: Session, course: Course, group_id: int) -> int:
    """The id of a group of this course; another course's or school's group is 404 like a
    missing one."""
    known_id(group_id, f"Course {course.id} has no group with id {group_id}.")
    require_tables(session)
    note_read()
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
    queries whatever the number of groups. Gone once retired: an empty list would tell the
    copy from groups to archive every project team."""
    require_tables(session)
    note_read()
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
    """The groups a student is active in in a course (moving them to another team). Gone once
    retired, like the legacy route that asks."""
    require_tables(session)
    note_read()
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
    if not student_ids or not tables_present(session):
        return found
    note_read()
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
    if not student_ids or not tables_present(session):
        return {}
    note_read()
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
    the student sync's team planning (none once retired)."""
    if not course_ids or not tables_present(session):
        return []
    note_read()
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
    what the student sync plans team changes from (none once retired)."""
    if not student_ids or not tables_present(session):
        return []
    note_read()
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
