"""``--decisions FILE``: the CSV in which an operator settles the keys the backfill cannot map
by itself (docs/migration.md, "Settling what is left").

Columns ``assessment_id, team_number, project_id, project_team_id``: a row names a key (its
assessment and team number; an empty team number is the key without one) and either the team
to link it to (``project_team_id``) or the project to look its team up in (``project_id``).
The whole file is checked against the database before anything is written; every wrong line is
named, and a file with any wrong line stops the command (exit 3) with nothing written.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from teameval.migration.phase2 import facts
from teameval.migration.phase2.keys import Decision, Decisions
from teameval.migration.phase2.probe import AssessmentSchema, CouldNotRun
from teameval.migration.runner.database import Connection

COLUMNS = ("assessment_id", "team_number", "project_id", "project_team_id")
MAX_ERRORS_SHOWN = 10


def _integer(text: str | None, column: str, required: bool) -> int | None:
    value = (text or "").strip()
    if not value:
        if required:
            raise ValueError(f"{column} is required")
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a whole number") from None


def parse(path: Path) -> tuple[dict[tuple[int, int | None], Decision], list[str]]:
    """The decisions by key and the lines' errors (syntax only)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CouldNotRun(f"decisions file {path}: cannot read it ({error})") from None
    reader = csv.DictReader(text.splitlines())
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        problem = f"missing columns {missing}" if missing else f"unknown columns {unknown}"
        raise CouldNotRun(
            f"decisions file {path}: line 1: {problem}; the header must be {','.join(COLUMNS)}"
        )
    decisions: dict[tuple[int, int | None], Decision] = {}
    errors: list[str] = []
    for row in reader:
        line = reader.line_num
        values = {name.strip(): value for name, value in row.items() if name is not None}
        try:
            assessment = _integer(values.get("assessment_id"), "assessment_id", True)
            number = _integer(values.get("team_number"), "team_number", False)
            project = _integer(values.get("project_id"), "project_id", False)
            team = _integer(values.get("project_team_id"), "project_team_id", False)
        except ValueError as error:
            errors.append(f"line {line}: {error}")
            continue
        assert assessment is not None
        if project is None and team is None:
            errors.append(f"line {line}: give project_id or project_team_id")
            continue
        if (assessment, number) in decisions:
            errors.append(
                f"line {line}: key ({assessment}, {number}) is already decided on line "
                f"{decisions[(assessment, number)].line}"
            )
            continue
        decisions[(assessment, number)] = Decision(project, team, line)
    return decisions, errors


def _by_id(connection: Connection, make: Any, ids: set[int]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for chunk in facts.chunks(list(ids)):
        for row in connection.rows(make(chunk)):
            found[row.id] = row
    return found


def check(
    connection: Connection,
    schema: AssessmentSchema,
    decisions: dict[tuple[int, int | None], Decision],
) -> list[str]:
    """What is wrong with the decisions on this database."""
    assessments = _by_id(
        connection, lambda c: facts.assessments_by_id(schema, c), {a for a, _t in decisions}
    )
    keys: set[tuple[int, int | None]] = set()
    for chunk in facts.chunks(list(assessments)):
        keys |= {
            (row.assessment_id, row.team_number)
            for row in connection.rows(facts.key_counts(schema, ids=chunk))
        }
    for assessment in assessments.values():
        if not any(a == assessment.id for a, _t in keys) and assessment.group_team_number:
            keys.add((assessment.id, assessment.group_team_number))
    projects = _by_id(
        connection,
        lambda c: facts.projects_by(schema, "id", c),
        {d.project_id for d in decisions.values() if d.project_id is not None},
    )
    teams = _by_id(
        connection,
        lambda c: facts.teams_by_id(schema, c),
        {d.project_team_id for d in decisions.values() if d.project_team_id is not None},
    )
    errors = []
    chosen: dict[tuple[int, int], int] = {}  # (assessment, team) -> line
    for (assessment_id, number), decision in sorted(decisions.items(), key=lambda i: i[1].line):
        where = f"line {decision.line}"
        assessment = assessments.get(assessment_id)
        if assessment is None:
            errors.append(f"{where}: assessment {assessment_id} does not exist")
            continue
        if (assessment_id, number) not in keys:
            shown = "no team number" if number is None else f"team number {number}"
            errors.append(f"{where}: assessment {assessment_id} has no key with {shown}")
            continue
        project = projects.get(decision.project_id) if decision.project_id is not None else None
        if decision.project_id is not None:
            if project is None:
                errors.append(f"{where}: project {decision.project_id} does not exist")
                continue
            if project.school_id != assessment.school_id:
                errors.append(
                    f"{where}: project {decision.project_id} belongs to another school than "
                    f"assessment {assessment_id}"
                )
                continue
        if decision.project_team_id is not None:
            team = teams.get(decision.project_team_id)
            if team is None:
                errors.append(f"{where}: project team {decision.project_team_id} does not exist")
            elif team.school_id != assessment.school_id:
                errors.append(
                    f"{where}: project team {decision.project_team_id} belongs to another "
                    f"school than assessment {assessment_id}"
                )
            elif decision.project_id is not None and team.project_id != decision.project_id:
                errors.append(
                    f"{where}: project team {decision.project_team_id} is not a team of "
                    f"project {decision.project_id}"
                )
            elif team.team_number != number and (assessment_id, team.team_number) in keys:
                # That key links to this team by itself: one team cannot hold two keys.
                errors.append(
                    f"{where}: project team {decision.project_team_id} is team number "
                    f"{team.team_number}, the team of assessment {assessment_id}'s own key "
                    f"with that number"
                )
            elif (assessment_id, decision.project_team_id) in chosen:
                errors.append(
                    f"{where}: project team {decision.project_team_id} is chosen for another "
                    f"key of assessment {assessment_id} on line "
                    f"{chosen[(assessment_id, decision.project_team_id)]}"
                )
            if decision.project_team_id is not None:
                chosen.setdefault((assessment_id, decision.project_team_id), decision.line)
        elif number is None:
            errors.append(
                f"{where}: a key without a team number needs project_team_id (a project alone "
                "cannot tell its team)"
            )
    return errors


def load(connection: Connection, schema: AssessmentSchema, path: Path) -> Decisions:
    """The checked decisions; :class:`CouldNotRun` names every wrong line (up to ten)."""
    decisions, errors = parse(path)
    if not errors:
        errors = check(connection, schema, decisions)
    if errors:
        shown = "; ".join(errors[:MAX_ERRORS_SHOWN])
        more = len(errors) - MAX_ERRORS_SHOWN
        suffix = f"; and {more} more" if more > 0 else ""
        raise CouldNotRun(f"decisions file {path}: {shown}{suffix}; nothing was written")
    return decisions
