"""The one write path for project team membership (DESIGN.md invariant 7).

Every change to a project's teams — one team's members, a whole layout, a source's layout, a
student leaving the course — is a set of ``TeamSpec``s applied here, in a constant number of
statements whatever the size. An unlocked team is changed in place; a locked one is never
changed: it is superseded by version n + 1 with the new roster.

Each write locks the project's row first (PostgreSQL), then the students it touches, then reads
the current teams: team writes of one project run one after another, and the checks see what
the previous writer left. ``layout_plan`` decides what changes, ``layout_checks`` validates,
``layout_writes`` writes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from teameval.audit_trail import Actor, AuditEntry, record_many
from teameval.models import LockReason, Project, ProjectTeam, ProjectTeamMember
from teameval.models.base import utcnow
from teameval.projects.teams import layout_writes
from teameval.projects.teams.layout_checks import WRITABLE_STATUSES, read_state, require_writable
from teameval.projects.teams.layout_plan import (
    ENTITY,
    Plan,
    archive,
    execute,
    new_version,
    plan_changes,
)
from teameval.projects.teams.layout_types import LayoutOutcome, TeamChange, TeamSpec
from teameval.projects.teams.layout_writes import Writes

__all__ = [
    "LayoutOutcome",
    "TeamChange",
    "TeamSpec",
    "apply_layout",
    "archive_teams",
    "current_member_ids",
    "current_teams",
    "lock_teams",
    "plan_layout",
    "remove_members",
]


def plan_layout(
    session: Session, project: Project, specs: Sequence[TeamSpec], *, replace_all: bool
) -> list[TeamChange]:
    """Validate ``specs`` against the project (422 naming each bad member: not a student of the
    school, not actively enrolled in the course, twice in the layout; 409 for archived students,
    for a student in another current team that the layout does not change, and for a project that
    is not draft or active) and say what applying them would change. Writes nothing.

    ``replace_all``: current teams not in ``specs`` are archived (a whole layout); otherwise
    they are left alone (one team's change)."""
    return plan_changes(session, project, specs, replace_all=replace_all).changes


def apply_layout(
    session: Session,
    actor: Actor,
    project: Project,
    specs: Sequence[TeamSpec],
    *,
    replace_all: bool,
) -> LayoutOutcome:
    """``plan_layout`` and then the writes, with audit rows, in the caller's transaction."""
    plan = plan_changes(session, project, specs, replace_all=replace_all)
    changes = execute(session, actor, plan)
    return LayoutOutcome(changes=changes, teams=current_teams(session, project.id))


def archive_teams(
    session: Session, actor: Actor, project: Project, team_numbers: Collection[int]
) -> list[TeamChange]:
    """Remove these current teams from the project: each version keeps its row and members
    (``is_current`` false, ``archived_at`` set)."""
    state = read_state(session, project, ())
    require_writable(state.status)
    plan = Plan(Writes(now=utcnow()))
    for number in sorted(set(team_numbers)):
        team = state.teams.get(number)
        if team is not None:
            archive(plan, state, team)
    return execute(session, actor, plan)


def lock_teams(
    session: Session,
    actor: Actor,
    teams: Sequence[ProjectTeam],
    reason: LockReason,
    reference_id: int | None = None,
) -> list[ProjectTeam]:
    """Lock these team versions (already locked ones keep their first lock)."""
    ids = sorted({team.id for team in teams})
    if not ids:
        return []
    # The projects' row locks, in id order, as every layout write takes them first.
    session.execute(
        select(Project.id)
        .where(Project.id.in_(sorted({team.project_id for team in teams})))
        .order_by(Project.id)
        .with_for_update()
    )
    now = utcnow()
    table = layout_writes.TEAMS
    locked = session.execute(
        update(table)
        .where(table.c.id.in_(ids), table.c.locked_at.is_(None))
        .values(
            locked_at=now,
            lock_reason=reason.value,
            lock_reference_id=reference_id,
            locked_by_id=actor.user_id,
            updated_at=now,
        )
        .returning(table.c.id, table.c.team_number, table.c.version)
    ).all()
    record_many(
        session,
        actor,
        [
            AuditEntry(
                "project_team.lock",
                ENTITY,
                team_id,
                {
                    "team_number": number,
                    "version": version,
                    "reason": reason.value,
                    "reference_id": reference_id,
                },
            )
            for team_id, number, version in sorted(locked)
        ],
    )
    return list(
        session.execute(
            select(ProjectTeam)
            .where(ProjectTeam.id.in_(ids))
            .order_by(ProjectTeam.id)
            .execution_options(populate_existing=True)
        ).scalars()
    )


def remove_members(
    session: Session, actor: Actor, removals: Collection[tuple[int, int]]
) -> list[TeamChange]:
    """Take each (project id, student id) out of that project's current team, set-based.

    Only draft and active projects change (a completed or archived project keeps its teams as
    they were). An unlocked team loses the member rows; a locked one gets a new version without
    them. The caller holds the students' locks (``enrollments.lock_students``)."""
    pairs = set(removals)
    if not pairs:
        return []
    hits = [
        row
        for row in session.execute(
            select(
                ProjectTeamMember.id,
                ProjectTeamMember.project_team_id,
                ProjectTeamMember.project_id,
                ProjectTeamMember.user_id,
            )
            .join(Project, Project.id == ProjectTeamMember.project_id)
            .where(
                ProjectTeamMember.is_current,
                ProjectTeamMember.project_id.in_(sorted({p for p, _ in pairs})),
                ProjectTeamMember.user_id.in_(sorted({s for _, s in pairs})),
                Project.status.in_(WRITABLE_STATUSES),
            )
        ).all()
        if (row.project_id, row.user_id) in pairs
    ]
    if not hits:
        return []
    teams = {
        team.id: team
        for team in session.execute(
            select(ProjectTeam)
            .where(ProjectTeam.id.in_(sorted({row.project_team_id for row in hits})))
            .execution_options(populate_existing=True)
        ).scalars()
    }
    locked_ids = sorted(team_id for team_id, team in teams.items() if team.locked)
    members_of_locked: dict[int, set[int]] = {team_id: set() for team_id in locked_ids}
    if locked_ids:
        for team_id, student_id in session.execute(
            select(ProjectTeamMember.project_team_id, ProjectTeamMember.user_id).where(
                ProjectTeamMember.project_team_id.in_(locked_ids)
            )
        ):
            members_of_locked[team_id].add(student_id)
    leaving: dict[int, list[tuple[int, int]]] = {}  # team id -> [(member row id, student id)]
    for row in hits:
        leaving.setdefault(row.project_team_id, []).append((row.id, row.user_id))
    plan = Plan(Writes(now=utcnow()))
    for team_id in sorted(leaving):
        team = teams[team_id]
        removed = tuple(sorted(student for _, student in leaving[team_id]))
        if team.locked:
            remaining = members_of_locked[team_id] - set(removed)
            new_version(
                plan, team, tuple(sorted(remaining)), team.display_name_at_time, (), removed
            )
        else:
            plan.writes.delete_member_rows += [row_id for row_id, _ in leaving[team_id]]
            change = TeamChange(team.team_number, "update", team.id, team.id, (), removed)
            plan.add(change, {"project_id": team.project_id, "reason": "left the course"})
    return execute(session, actor, plan)


def current_teams(session: Session, project_id: int) -> list[ProjectTeam]:
    """The project's current team versions, by team number, freshly read."""
    return list(
        session.execute(
            select(ProjectTeam)
            .where(ProjectTeam.project_id == project_id, ProjectTeam.is_current)
            .order_by(ProjectTeam.team_number)
            .execution_options(populate_existing=True)
        ).scalars()
    )


def current_member_ids(session: Session, team_version_id: int) -> tuple[int, ...]:
    """The students of one team version, by id."""
    return tuple(
        session.scalars(
            select(ProjectTeamMember.user_id)
            .where(ProjectTeamMember.project_team_id == team_version_id)
            .order_by(ProjectTeamMember.user_id)
        )
    )
