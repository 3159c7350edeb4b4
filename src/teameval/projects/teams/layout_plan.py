"""Planning a layout change (what happens to each team number) and running the plan with its
audit rows; ``layout`` is the public face, ``layout_checks`` validates, ``layout_writes``
writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from teameval.audit_trail import Actor, AuditEntry, record_many
from teameval.errors import Conflict
from teameval.models import Project, ProjectTeam
from teameval.models.base import utcnow
from teameval.projects.teams import layout_writes
from teameval.projects.teams.layout_checks import (
    ProjectState,
    check_members,
    number_errors,
    read_state,
    require_writable,
)
from teameval.projects.teams.layout_types import TeamChange, TeamSpec
from teameval.projects.teams.layout_writes import InPlaceEdit, NewTeamRow, Writes
from teameval.roster.legacy.adapter.presence import group_link

ENTITY = "project_team"


@dataclass
class Plan:
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


def plan_changes(
    session: Session, project: Project, specs: Sequence[TeamSpec], *, replace_all: bool
) -> Plan:
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
    plan = Plan(Writes(now=utcnow()))
    for spec in specs:
        _plan_team(plan, state, spec)
    if replace_all:
        for number in sorted(state.teams.keys() - numbers):
            archive(plan, state, state.teams[number])
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


def _plan_team(plan: Plan, state: ProjectState, spec: TeamSpec) -> None:
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
        group_link(current),
    )
    if current.locked and (added or removed or renamed):
        new_version(plan, current, wanted, name, added, removed, spec, source)
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
            (spec.team_id, source) if resourced else (group_link(current), current.backfill_source)
        )
        plan.writes.edits.append(InPlaceEdit(current.id, name, legacy_id, kept_source))
        if renamed:
            details["name"] = [current.display_name_at_time, name]
        if resourced:
            details["backfill_source"] = kept_source
    plan.add(TeamChange(number, "update", current.id, current.id, added, removed), details)


def new_version(
    plan: Plan,
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
        else (group_link(current), current.backfill_source)
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


def archive(plan: Plan, state: ProjectState, team: ProjectTeam) -> None:
    plan.writes.archive.append(team.id)
    members = tuple(sorted(state.members.get(team.id, {})))
    change = TeamChange(team.team_number, "archive", team.id, None, (), members)
    plan.add(change, {"version": team.version, "locked": team.locked})


def execute(session: Session, actor: Actor, plan: Plan) -> list[TeamChange]:
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
