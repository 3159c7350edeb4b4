"""The phase 2 definitions (issue 12, docs/migration.md "Phase 2"), decided once for every
command: each team key of a batch of assessments gets one :class:`~keys.State`.

The facts are read by the statements of ``facts`` (one per definition: the keys and their
score rows, the overrides, the junction, projects, teams and their versions, the groups'
students; ``reader`` runs them); the rules that combine them are in ``classify``, in plain
Python, in the issue's order. A batch also reads the *project-mates* of its keys to create (the
other assessments that resolve to the same project), because keys sharing a (project, team
number) share one team, whose members and conflicts are the project's business, not the
batch's: the outcome does not depend on the batch size.
"""

from __future__ import annotations

from collections.abc import Collection

from teameval.migration.phase2 import classify
from teameval.migration.phase2.keys import Decisions, Facts, State, TeamKey
from teameval.migration.phase2.probe import AssessmentSchema
from teameval.migration.phase2.reader import FactsReader
from teameval.migration.runner.batches import KeyRange
from teameval.migration.runner.database import Connection

NO_DECISIONS: Decisions = {}


def _resolved_projects(found: Facts, decisions: Decisions) -> set[int]:
    projects = set()
    for assessment in found.assessments.values():
        for number in found.keys_of(assessment):
            project, _count = classify.resolve_project(found, assessment, decisions, number)
            if project is not None:
                projects.add(project)
    return projects


def _load_teams(reader: FactsReader, found: Facts, decisions: Decisions) -> None:
    reader.projects(found, [d.project_id for d in decisions.values() if d.project_id is not None])
    reader.teams(found, _resolved_projects(found, decisions))
    named = {d.project_team_id for d in decisions.values() if d.project_team_id is not None}
    named |= set(found.junction.values())
    reader.teams_by_id(found, named)


def plan_batch(
    connection: Connection,
    schema: AssessmentSchema,
    *,
    school_id: int | None = None,
    assessments: KeyRange | None = None,
    decisions: Decisions = NO_DECISIONS,
    created: Collection[int] = (),
) -> list[TeamKey]:
    """Every team key of the batch's assessments, decided. ``created`` names the teams this
    run created already (their keys link with source "created")."""
    reader = FactsReader(connection, schema)
    scope = assessments or KeyRange()
    found = reader.batch(school_id=school_id, assessments=scope)
    batch_ids = set(found.assessments)
    _load_teams(reader, found, decisions)
    keys = classify.first_pass(found, decisions, created)
    pending = {key.project_id for key in keys if key.state is State.TO_CREATE}
    if pending:
        reader.mates(found, {p for p in pending if p is not None})
        _load_teams(reader, found, decisions)
        keys = classify.first_pass(found, decisions, created)
        slots = classify.slots_to_create(keys)
        reader.group_students(found, {key.group_id for group in slots.values() for key in group})
        current = classify.latest_teams(found)
        projects = {project for project, _number in slots}
        reader.members(
            found,
            {team.id for (p, _t), teams in current.items() if p in projects for team in teams},
        )
        classify.mark_conflicts(found, keys)
    linked = {
        key.project_team_id
        for key in keys
        if key.state in (State.MAPPED, State.TO_LINK) and key.project_team_id is not None
    }
    reader.members(found, linked)
    classify.count_override_not_member(found, keys)
    return [key for key in keys if key.assessment_id in batch_ids]


def assessment_ranges(
    connection: Connection, schema: AssessmentSchema, batch_size: int
) -> list[KeyRange]:
    """Batches of ``batch_size`` assessment ids (one open range when 0)."""
    from teameval.migration.phase2.facts import assessment_id_bounds
    from teameval.migration.runner.batches import ranges_by_width

    bounds = connection.one(assessment_id_bounds(schema))
    return ranges_by_width(bounds.low, bounds.high, batch_size)
