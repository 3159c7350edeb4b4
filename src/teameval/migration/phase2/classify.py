"""The rules of the phase 2 definitions, in plain Python over the facts a batch read.

Pure: no database. ``plan`` reads the facts (``facts``) and calls :func:`decide`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable

from teameval.migration.phase2.keys import (
    CREATED_SOURCE,
    Assessment,
    Decisions,
    Facts,
    State,
    Team,
    TeamKey,
)

TeamSlot = tuple[int, int]  # (project, team number): keys sharing one share a team to create


def resolve_project(
    found: Facts, assessment: Assessment, decisions: Decisions, number: int | None
) -> tuple[int | None, int]:
    """The key's project and how many candidates there were (1 when it is decided)."""
    decision = decisions.get((assessment.id, number))
    if decision is not None and decision.project_id is not None:
        return decision.project_id, 1
    if assessment.project_id is not None:
        return assessment.project_id, 1
    candidates = found.projects_of_course.get(assessment.course_id, [])
    return (candidates[0] if len(candidates) == 1 else None), len(candidates)


def latest_teams(found: Facts) -> dict[tuple[int, int | None], list[Team]]:
    """Per (project, team number): the teams at the highest version (one, or a tie)."""
    by_slot: dict[tuple[int, int | None], list[Team]] = defaultdict(list)
    for team in found.teams.values():
        by_slot[(team.project_id, team.team_number)].append(team)
    latest = {}
    for slot, teams in by_slot.items():
        top = max(team.version for team in teams)
        latest[slot] = sorted((t for t in teams if t.version == top), key=lambda t: t.id)
    return latest


def _link_source(team: Team, created: Collection[int]) -> str:
    return "created" if team.id in created or team.backfill_source == CREATED_SOURCE else "linked"


def first_pass(found: Facts, decisions: Decisions, created: Collection[int] = ()) -> list[TeamKey]:
    """Every key of every assessment read, decided up to "to create" (conflicts come next)."""
    latest = latest_teams(found)
    keys: list[TeamKey] = []
    for assessment in sorted(found.assessments.values(), key=lambda a: a.id):
        for number in sorted(found.keys_of(assessment), key=lambda t: (t is not None, t or 0)):
            rows, mapped = found.counts.get((assessment.id, number), (0, 0))
            key = TeamKey(
                assessment.id,
                assessment.school_id,
                number,
                assessment.group_id,
                score_rows=rows,
                scores_mapped=mapped,
                override_rows=dict(found.overrides.get((assessment.id, number), {})),
                own_project_id=assessment.project_id,
                own_project_team_id=assessment.project_team_id,
            )
            keys.append(key)
            _decide_key(found, latest, decisions, created, assessment, key)
    _one_key_per_team(found, keys)
    return keys


def _one_key_per_team(found: Facts, keys: list[TeamKey]) -> None:
    """A team holds at most one key of an assessment (the junction's unique key). A key to link
    whose team already holds another key of its assessment (mapped earlier, say by a decision,
    to a team of another number) cannot be linked by itself: its team is ambiguous, and the
    operator settles it with a decision."""
    # Every junction row counts, also one whose key has no score rows any more.
    taken = {(assessment, team) for (assessment, _number), team in found.junction.items()}
    for key in keys:
        if key.state is not State.TO_LINK or key.project_team_id is None:
            continue
        slot = (key.assessment_id, key.project_team_id)
        if slot in taken:
            key.state, key.project_team_id, key.source = State.AMBIGUOUS_TEAM, None, None
        else:
            taken.add(slot)


def _decide_key(
    found: Facts,
    latest: dict[tuple[int, int | None], list[Team]],
    decisions: Decisions,
    created: Collection[int],
    assessment: Assessment,
    key: TeamKey,
) -> None:
    number = key.team_number
    decision = decisions.get((assessment.id, number))
    if (assessment.id, number) in found.junction:
        key.state = State.MAPPED
        key.project_team_id = found.junction[(assessment.id, number)]
        team = found.teams.get(key.project_team_id)
        key.project_id = team.project_id if team else assessment.project_id
        return
    if decision is not None and decision.project_team_id is not None:
        key.state, key.source = State.TO_LINK, "decision"
        key.project_team_id = decision.project_team_id
        team = found.teams.get(decision.project_team_id)
        key.project_id = team.project_id if team else decision.project_id
        return
    project, candidates = resolve_project(found, assessment, decisions, number)
    key.project_id = project
    project_school = found.projects.get(project, (None, None))[0] if project else None
    if assessment.school_id != assessment.group_school_id or (
        project_school is not None and project_school != assessment.school_id
    ):
        key.state = State.CROSS_SCHOOL
    elif number is None:
        key.state = State.NO_TEAM_NUMBER
    elif candidates == 0:
        key.state = State.NO_PROJECT
    elif candidates > 1 or project is None:
        key.state = State.AMBIGUOUS_PROJECT
    else:
        teams = latest.get((project, number), [])
        if len(teams) > 1:
            key.state = State.AMBIGUOUS_TEAM
        elif teams:
            key.state, key.project_team_id = State.TO_LINK, teams[0].id
            key.source = _link_source(teams[0], created)
        else:
            key.state = State.TO_CREATE


def slots_to_create(keys: Iterable[TeamKey]) -> dict[TeamSlot, list[TeamKey]]:
    slots: dict[TeamSlot, list[TeamKey]] = defaultdict(list)
    for key in keys:
        if key.state is State.TO_CREATE and key.project_id is not None:
            assert key.team_number is not None  # no team number is a reason before this
            slots[(key.project_id, key.team_number)].append(key)
    return slots


def slot_members(found: Facts, keys: Iterable[TeamKey]) -> frozenset[int]:
    """The members of a team to create: its keys' override students and the active students
    of their groups with that legacy team number."""
    members: set[int] = set()
    for key in keys:
        members |= set(key.override_rows)
        if key.team_number is not None:
            members |= found.students_of_group.get(key.group_id, {}).get(key.team_number, set())
    return frozenset(members)


def mark_conflicts(found: Facts, keys: list[TeamKey]) -> None:
    """Settle member_conflict per (project, t) and give every key to create its members."""
    slots = slots_to_create(keys)
    members = {slot: slot_members(found, slot_keys) for slot, slot_keys in slots.items()}
    latest = latest_teams(found)
    current: dict[int, list[tuple[int | None, set[int]]]] = defaultdict(list)
    for (project, number), teams in latest.items():
        for team in teams:
            current[project].append((number, found.members.get(team.id, set())))
    for (project, number), slot_keys in slots.items():
        others: set[int] = set()
        for other_number, other_members in current.get(project, []):
            if other_number != number:
                others |= other_members
        for (other_project, other_number), pending in members.items():
            if other_project == project and other_number != number:
                others |= pending
        mine = members[(project, number)]
        for key in slot_keys:
            if mine & others:
                key.state = State.MEMBER_CONFLICT
            else:
                key.members = mine


def count_override_not_member(found: Facts, keys: Iterable[TeamKey]) -> None:
    for key in keys:
        if key.state in (State.MAPPED, State.TO_LINK) and key.project_team_id is not None:
            team_members = found.members.get(key.project_team_id, set())
            key.override_not_member = sum(
                rows for student, rows in key.override_rows.items() if student not in team_members
            )
