"""The one write path for project team membership (DESIGN.md invariant 7).

Every change to a project's teams — one team's members, a whole layout, a source's layout, a
student leaving the course — is a set of ``TeamSpec``s applied here, in a constant number of
statements whatever the size. An unlocked team is changed in place; a locked one is never
changed: it is superseded by version n + 1 with the new roster.

Each write locks the project's row first (PostgreSQL), then the students it touches, then reads
the current teams: team writes of one project run one after another, and the checks see what
the previous writer left. ``layout_checks`` validates, ``layout_writes`` writes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from teameval.audit_trail import Actor, AuditEntry, record_many
from teameval.errors import Conflict
from teameval.models import (
    LockReason,
    Project,
    ProjectTeam,
    ProjectTeamMember,
    TeamSource,
)
from teameval.models.base import utcnow
from teameval.projects.teams import layout_writes
from teameval.projects.teams.layout_checks import (
    WRITABLE_STATUSES,
    ProjectState,
    check_members,
    number_errors,
    read_state,
    require_writable,
)
from teameval.projects.teams.layout_writes import InPlaceEdit, NewTeamRow, Writes

ENTITY = "project_team"


@dataclass(frozen=True)
class TeamSpec:
    """One team of a wanted layout, keyed by its number within the project."""

    team_number: int
    member_ids: tuple[int, ...]
    name: str | None = None  # None: keep the current name, or "Team {n}" for a new team
    team_id: int | None = None  # the legacy group it was copied from
    backfill_source: TeamSource | None = None


@dataclass(frozen=True)
class TeamChange:
    """What applying a layout does (or, in a plan, would do) to one team number."""

    team_number: int
    action: str  # "create" | "update" | "new_version" | "archive" | "unchanged"
    team_id: int | None  # the current version's id before (None when created)
    new_team_id: int | None  # after (None in a plan, or when archived)
    added: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()


@dataclass
class LayoutOutcome:
    changes: list[TeamChange] = field(default_factory=list)
    teams: list[ProjectTeam] = field(default_factory=list)  # current teams after, by number


@dataclass
class _Plan:
    """Changes, the writes that make them, and for each change what its audit row adds."""

    writes: Writes
    changes: list[TeamChange] = field(default_factory=list)
    details: list[dict[str, Any]] = field(default_factory=list)
    # change index -> index in writes.new_teams
    inserted: dict[int, int] = field(default_factory=dict)

    def add(self, change: TeamChange, details: dict[str, Any] | None = None) -> int:
        self.changes.append(change)
        self.details.append(details or {})
        return len(self.changes) - 1

    def insert(self, change: TeamChange, row: NewTeamRow, details: dict[str, Any]) -> None:
        index = self.add(change, details)
        self.inserted[index] = len(self.writes.new_teams)
        self.writes.new_teams.append(row)


def plan_layout(
    session: Session, project: Project, specs: Sequence[TeamSpec], *, replace_all: bool
) -> list[TeamChange]:
    """Validate ``specs`` against the project (422 naming each bad member: not a student of the
    school, not actively enrolled in the course, twice in the layout; 409 for archived students,
    for a student in another current team that the layout does not change, and for a project that
    is not draft or active) and say what applying them would change. Writes nothing.

    ``replace_all``: current teams not in ``specs`` are archived (a whole layout); otherwise
    they are left alone (one team's change)."""
    return _plan(session, project, specs, replace_all=replace_all).changes


def apply_layout(
    session: Session,
    actor: Actor,
    project: Project,
    specs: Sequence[TeamSpec],
    *,
    replace_all: bool,
) -> LayoutOutcome:
    """``plan_layout`` and then the writes, with audit rows, in the caller's transaction."""
    plan = _plan(session, project, specs, replace_all=replace_all)
    changes = _execute(session, actor, plan)
    return LayoutOutcome(changes=changes, teams=current_teams(session, project.id))


def archive_teams(
    session: Session, actor: Actor, project: Project, team_numbers: Collection[int]
) -> list[TeamChange]:
    """Remove these current teams from the project: each version keeps its row and members
    (``is_current`` false, ``archived_at`` set)."""
    state = read_state(session, project, ())
    require_writable(state.status)
    plan = _Plan(Writes(now=utcnow()))
    for number in sorted(set(team_numbers)):
        team = state.teams.get(number)
        if team is not None:
            _archive(plan, state, team)
    return _execute(session, actor, plan)


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
    plan = _Plan(Writes(now=utcnow()))
    for team_id in sorted(leaving):
        team = teams[team_id]
        removed = tuple(sorted(student for _, student in leaving[team_id]))
        if team.locked:
            remaining = members_of_locked[team_id] - set(removed)
            _new_version(
                plan, team, tuple(sorted(remaining)), team.display_name_at_time, (), removed
            )
        else:
            plan.writes.delete_member_rows += [row_id for row_id, _ in leaving[team_id]]
            change = TeamChange(team.team_number, "update", team.id, team.id, (), removed)
            plan.add(change, {"project_id": team.project_id, "reason": "left the course"})
    return _execute(session, actor, plan)


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


# --- planning ----------------------------------------------------------------------------------


def _plan(
    session: Session, project: Project, specs: Sequence[TeamSpec], *, replace_all: bool
) -> _Plan:
    wanted_ids = {student for spec in specs for student in spec.member_ids}
    state = read_state(session, project, wanted_ids)
    require_writable(state.status)
    errors = number_errors([spec.team_number for spec in specs])
    single = len(specs) == 1 and not replace_all
    check_members(
        session,
        state,
        [spec.member_ids for spec in specs],
        project.course_id,
        single=single,
        errors=errors,
    )
    numbers = {spec.team_number for spec in specs}
    if not replace_all:
        _refuse_members_of_untouched_teams(state, specs, numbers)
    plan = _Plan(Writes(now=utcnow()))
    for spec in specs:
        _plan_team(plan, state, spec)
    if replace_all:
        for number in sorted(state.teams.keys() - numbers):
            _archive(plan, state, state.teams[number])
    return plan


def _refuse_members_of_untouched_teams(
    state: ProjectState, specs: Sequence[TeamSpec], numbers: set[int]
) -> None:
    team_of = state.team_of_student()
    clashes = []
    for spec in specs:
        for student_id in spec.member_ids:
            team = team_of.get(student_id)
            if team is not None and team.team_number not in numbers:
                clashes.append(
                    {"student_id": student_id, "team_id": team.id, "team_number": team.team_number}
                )
    if clashes:
        named = ", ".join(
            f"student {c['student_id']} is in team {c['team_number']} (id {c['team_id']})"
            for c in clashes
        )
        raise Conflict(
            f"A student is in at most one current team per project: {named}. "
            "Remove them from that team first.",
            conflicts=clashes,
        )


def _plan_team(plan: _Plan, state: ProjectState, spec: TeamSpec) -> None:
    number = spec.team_number
    wanted = tuple(sorted(set(spec.member_ids)))
    source = spec.backfill_source.value if spec.backfill_source is not None else None
    current = state.teams.get(number)
    if current is None:
        name = spec.name if spec.name is not None else f"Team {number}"
        row = NewTeamRow(
            state.school_id, state.project_id, number, name, 1, None, spec.team_id, source, wanted
        )
        change = TeamChange(number, "create", None, None, wanted, ())
        plan.insert(change, row, {"name": name, "version": 1, "backfill_source": source})
        return
    have = set(state.members.get(current.id, {}))
    added = tuple(sorted(set(wanted) - have))
    removed = tuple(sorted(have - set(wanted)))
    name = spec.name if spec.name is not None else current.display_name_at_time
    renamed = name != current.display_name_at_time
    resourced = source is not None and (source, spec.team_id) != (
        current.backfill_source,
        current.team_id,
    )
    if current.locked and (added or removed or renamed):
        _new_version(plan, current, wanted, name, added, removed, spec, source)
        return
    if current.locked or not (added or removed or renamed or resourced):
        plan.add(TeamChange(number, "unchanged", current.id, current.id))
        return
    rows = state.members.get(current.id, {})
    plan.writes.delete_member_rows += [rows[student] for student in removed]
    plan.writes.add_members += [
        (state.school_id, current.id, state.project_id, student) for student in added
    ]
    details: dict[str, Any] = {"version": current.version}
    if renamed or resourced:
        legacy_id, kept_source = (
            (spec.team_id, source) if resourced else (current.team_id, current.backfill_source)
        )
        plan.writes.edits.append(InPlaceEdit(current.id, name, legacy_id, kept_source))
        if renamed:
            details["name"] = [current.display_name_at_time, name]
        if resourced:
            details["backfill_source"] = kept_source
    plan.add(TeamChange(number, "update", current.id, current.id, added, removed), details)


def _new_version(
    plan: _Plan,
    current: ProjectTeam,
    members: tuple[int, ...],
    name: str,
    added: tuple[int, ...],
    removed: tuple[int, ...],
    spec: TeamSpec | None = None,
    source: str | None = None,
) -> None:
    """Supersede a locked version by version n + 1 holding ``members``."""
    legacy_id, kept_source = (
        (spec.team_id, source)
        if spec is not None and source is not None
        else (current.team_id, current.backfill_source)
    )
    plan.writes.supersede.append(current.id)
    row = NewTeamRow(
        current.school_id,
        current.project_id,
        current.team_number,
        name,
        current.version + 1,
        current.id,
        legacy_id,
        kept_source,
        members,
    )
    details: dict[str, Any] = {"version": current.version + 1, "previous_version_id": current.id}
    if name != current.display_name_at_time:
        details["name"] = [current.display_name_at_time, name]
    change = TeamChange(current.team_number, "new_version", current.id, None, added, removed)
    plan.insert(change, row, details)


def _archive(plan: _Plan, state: ProjectState, team: ProjectTeam) -> None:
    plan.writes.archive.append(team.id)
    members = tuple(sorted(state.members.get(team.id, {})))
    change = TeamChange(team.team_number, "archive", team.id, None, (), members)
    plan.add(change, {"version": team.version, "locked": team.locked})


# --- writing -----------------------------------------------------------------------------------


def _execute(session: Session, actor: Actor, plan: _Plan) -> list[TeamChange]:
    """Run the plan's writes and add one audit row per change; answers the changes with the ids
    of the versions they made."""
    new_ids = layout_writes.apply(session, plan.writes)
    # Draft and open assessments follow the new versions (issue 10). Imported here because the
    # assessments import this module (lock_teams): at module level the import would be circular.
    from teameval.assessments.links import follow_new_versions

    follow_new_versions(session, actor, plan.writes.supersede + plan.writes.archive, new_ids)
    changes = [
        replace(change, new_team_id=new_ids[plan.inserted[index]])
        if index in plan.inserted
        else change
        for index, change in enumerate(plan.changes)
    ]
    entries = [
        AuditEntry(
            f"project_team.{change.action}",
            ENTITY,
            change.new_team_id if change.new_team_id is not None else change.team_id,
            {
                "team_number": change.team_number,
                "added": list(change.added),
                "removed": list(change.removed),
                **details,
            },
        )
        for change, details in zip(changes, plan.details, strict=True)
        if change.action != "unchanged"
    ]
    record_many(session, actor, entries)
    return changes


def current_member_ids(session: Session, team_version_id: int) -> tuple[int, ...]:
    """The students of one team version, by id."""
    return tuple(
        session.scalars(
            select(ProjectTeamMember.user_id)
            .where(ProjectTeamMember.project_team_id == team_version_id)
            .order_by(ProjectTeamMember.user_id)
        )
    )
