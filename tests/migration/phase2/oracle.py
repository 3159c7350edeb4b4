"""A plain-Python oracle of issue 12's definitions (and common.md's reading of them), written
without looking at the product's code: every table read whole (``SELECT *``) into dicts, then
loops and sets. It gives the audit's figures, each key's state, and what a committed backfill
must leave behind, so the tests can compare the product against an independent reading.

Teams the backfill creates have no id yet: they are named ``("new", project_id, team_number)``
here, and ``canonical`` gives the real rows those names, so both sides compare as equals.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from teameval.db import make_engine

Row = dict[str, Any]
Tables = dict[str, list[Row]]
Key = tuple[int, int | None]
Decisions = dict[Key, tuple[int | None, int | None]]  # key -> (project_id, project_team_id)
TeamRef = Any  # an existing team's id, or ("new", project_id, team_number)

JUNCTION = "project_assessment_teams"
REASONS = (
    "cross_school",
    "no_team_number",
    "no_project",
    "ambiguous_project",
    "ambiguous_team",
    "member_conflict",
)
# Figures of the audit JSON the oracle predicts (all but the samples).
AUDIT_FIELDS = (
    "status",
    "exit_code",
    "expanded",
    "assessments",
    "score_rows",
    "team_keys",
    "mapped",
    "to_link",
    "to_create",
    "unmapped",
    "scores_mapped",
    "scores_unmapped",
    "anomalies",
)


def read_tables(url: str) -> Tables:
    """Every table of the database, every column, as dicts."""
    engine = make_engine(url)
    tables: Tables = {}
    with engine.connect() as connection:
        for name in sa.inspect(connection).get_table_names():
            result = connection.execute(sa.text(f"SELECT * FROM {name}"))
            tables[name] = [dict(row._mapping) for row in result]
    engine.dispose()
    return tables


@dataclass
class KeyState:
    assessment_id: int
    team_number: int | None
    state: str  # mapped, to_link, to_create or one of REASONS
    project_id: int | None = None  # the resolved project, when there is one
    team: TeamRef = None  # mapped: the junction's team; to_link: the found team; to_create: new
    source: str | None = None  # 'decision' when a decision named the team


@dataclass
class Analysis:
    keys: dict[Key, KeyState]
    in_scope: set[int]  # assessment ids
    # (project, t) of every team to create (no conflict) -> its members
    create: dict[tuple[int, int], set[int]] = field(default_factory=dict)
    key_of_score: dict[int, Key] = field(default_factory=dict)
    expanded: bool = False


def _by_id(rows: Iterable[Row]) -> dict[int, Row]:
    return {row["id"]: row for row in rows}


def expanded(tables: Tables) -> bool:
    scores = tables.get("project_assessment_scores", [])
    has_column = bool(scores) and "project_team_id" in scores[0]
    if not scores:  # no row to look at: the junction table decides
        has_column = JUNCTION in tables
    return JUNCTION in tables and has_column


def analyse(
    tables: Tables, school_id: int | None = None, decisions: Decisions | None = None
) -> Analysis:
    """Each key's state (computed over the whole database; ``school_id`` only decides which
    assessments are in scope). ``decisions``: key -> (project_id, project_team_id) of a
    decisions file: a team links the key ('decision'); a project replaces the key's own."""
    decisions = decisions or {}
    groups = _by_id(tables["groups"])
    users = _by_id(tables["users"])
    projects = _by_id(tables["projects"])
    assessments = _by_id(tables["project_assessments"])
    scores = tables["project_assessment_scores"]
    junction = tables.get(JUNCTION, []) if expanded(tables) else []

    in_scope = {
        a["id"]
        for a in assessments.values()
        if school_id is None
        or a["school_id"] == school_id
        or groups[a["group_id"]]["school_id"] == school_id
    }

    key_of_score: dict[int, Key] = {}
    keys_of: dict[int, set[int | None]] = defaultdict(set)
    for score in scores:
        a = assessments[score["assessment_id"]]
        t = score["team_number"]
        if t is None:
            t = groups[a["group_id"]]["team_number"]
        key_of_score[score["id"]] = (a["id"], t)
        keys_of[a["id"]].add(t)
    for a in assessments.values():
        if a["id"] not in keys_of and groups[a["group_id"]]["team_number"] is not None:
            keys_of[a["id"]].add(groups[a["group_id"]]["team_number"])

    # The highest version's rows of each (project, team_number).
    top: dict[tuple[int, int | None], list[Row]] = defaultdict(list)
    for team in tables["project_teams"]:
        versions = top[(team["project_id"], team["team_number"])]
        if versions and versions[0]["version"] < team["version"]:
            versions.clear()
        if not versions or versions[0]["version"] == team["version"]:
            versions.append(team)
    current_of_user: dict[int, set[tuple[int, int | None]]] = defaultdict(set)
    current_ids = {team["id"]: number for number, teams in top.items() for team in teams}
    for member in tables["project_team_members"]:
        if member["project_team_id"] in current_ids:
            current_of_user[member["user_id"]].add(current_ids[member["project_team_id"]])

    def project_of(a: Row) -> tuple[str, int | None]:
        if a["project_id"] is not None:
            return "one", a["project_id"]
        course = groups[a["group_id"]]["course_id"]
        found = [p["id"] for p in projects.values() if p["course_id"] == course]
        if len(found) == 1:
            return "one", found[0]
        return ("no_project" if not found else "ambiguous_project"), None

    mapped_team = {(j["project_assessment_id"], j["team_number"]): j for j in junction}
    held = {(j["project_assessment_id"], j["project_team_id"]) for j in junction}
    states: dict[Key, KeyState] = {}
    pending: dict[tuple[int, int], list[Key]] = defaultdict(list)
    for a_id, numbers in keys_of.items():
        a = assessments[a_id]
        group = groups[a["group_id"]]
        for t in numbers:
            key = (a_id, t)
            decided_project, decided_team = decisions.get(key, (None, None))
            found, project = ("one", decided_project) if decided_project else project_of(a)
            cross = a["school_id"] != group["school_id"] or (
                project is not None and projects[project]["school_id"] != a["school_id"]
            )
            state = KeyState(a_id, t, "", project)
            states[key] = state
            if key in mapped_team:
                state.state, state.team = "mapped", mapped_team[key]["project_team_id"]
            elif decided_team is not None:
                state.state, state.team, state.source = "to_link", decided_team, "decision"
            elif cross:
                state.state = "cross_school"
            elif t is None:
                state.state = "no_team_number"
            elif project is None:
                state.state = found
            else:
                teams = top.get((project, t), [])
                if len(teams) == 1 and (a_id, teams[0]["id"]) in held:
                    # A team holds at most one key of an assessment (the junction's unique
                    # (assessment, team)): an earlier decision gave this one another key.
                    state.state = "ambiguous_team"
                elif len(teams) == 1:
                    state.state, state.team = "to_link", teams[0]["id"]
                elif teams:
                    state.state = "ambiguous_team"
                else:
                    pending[(project, t)].append(key)

    # Members of each team to create: override students of its keys, plus the active student
    # members (not archived) of each key's assessment's group whose legacy number is t.
    members_of: dict[tuple[int, int], set[int]] = {}
    for (project, t), keys in pending.items():
        members: set[int] = set()
        for a_id, _ in keys:
            group_id = assessments[a_id]["group_id"]
            members |= {
                s["student_id"]
                for s in scores
                if s["student_id"] is not None and key_of_score[s["id"]] == (a_id, t)
            }
            for m in tables["group_members"]:
                user = users[m["user_id"]]
                if (
                    m["group_id"] == group_id
                    and m["active"]
                    and user["role"] == "student"
                    and not user.get("archived")
                    and user["team_number"] == t
                ):
                    members.add(user["id"])
        members_of[(project, t)] = members

    conflicted: set[tuple[int, int]] = set()
    for (project, t), members in members_of.items():
        for user_id in members:
            if any(p == project and n is not None and n != t for p, n in current_of_user[user_id]):
                conflicted.add((project, t))
        for (other_project, other_t), others in members_of.items():
            if other_project == project and other_t != t and members & others:
                conflicted |= {(project, t), (other_project, other_t)}

    analysis = Analysis(states, in_scope, key_of_score=key_of_score, expanded=expanded(tables))
    for slot, slot_keys in pending.items():
        for key in slot_keys:
            if slot in conflicted:
                states[key].state = "member_conflict"
            else:
                states[key].state, states[key].team = "to_create", ("new", *slot)
        if slot not in conflicted:
            analysis.create[slot] = members_of[slot]
    return analysis


def _scoped_keys(analysis: Analysis) -> list[KeyState]:
    return [k for k in analysis.keys.values() if k.assessment_id in analysis.in_scope]


def audit(tables: Tables, school_id: int | None = None) -> dict[str, Any]:
    """The audit JSON's figures (``AUDIT_FIELDS``)."""
    analysis = analyse(tables, school_id)
    keys = _scoped_keys(analysis)
    states = [k.state for k in keys]
    scores = [
        s for s in tables["project_assessment_scores"] if s["assessment_id"] in analysis.in_scope
    ]
    scores_mapped = sum(1 for s in scores if s.get("project_team_id") is not None)

    groups: dict[tuple[int, int | None, int], int] = defaultdict(int)
    for s in scores:
        if s["student_id"] is None:
            groups[(*analysis.key_of_score[s["id"]], s["criterion_id"])] += 1
    duplicates = sum(n - 1 for n in groups.values() if n > 1)

    members = {(m["project_team_id"], m["user_id"]) for m in tables["project_team_members"]}
    not_member = 0
    for s in scores:
        key = analysis.keys[analysis.key_of_score[s["id"]]]
        if s["student_id"] is not None and key.state in ("mapped", "to_link"):
            not_member += (key.team, s["student_id"]) not in members

    unmapped = {reason: states.count(reason) for reason in REASONS}
    anomalies = {"duplicate_team_scores": duplicates, "override_not_member": not_member}
    all_mapped = len(keys) == states.count("mapped") and scores_mapped == len(scores)
    status = "FAIL" if not all_mapped else "WARNING" if duplicates or not_member else "PASS"
    return {
        "status": status,
        "exit_code": {"PASS": 0, "WARNING": 1, "FAIL": 2}[status],
        "expanded": analysis.expanded,
        "assessments": len(analysis.in_scope),
        "score_rows": len(scores),
        "team_keys": len(keys),
        "mapped": states.count("mapped"),
        "to_link": states.count("to_link"),
        "to_create": states.count("to_create"),
        "unmapped": {k: unmapped[k] for k in sorted(unmapped)},
        "scores_mapped": scores_mapped,
        "scores_unmapped": len(scores) - scores_mapped,
        "anomalies": anomalies,
    }


@dataclass
class BackfillPlan:
    """What one committed backfill must write (``tables`` the end state) and its counts."""

    figures: dict[str, Any]
    tables: Tables


def backfill(
    tables: Tables,
    school_id: int | None = None,
    decisions: Decisions | None = None,
    *,
    only: set[int] | None = None,
) -> BackfillPlan:
    """The end state of a committed backfill on the expanded ``tables``, and the dry run's
    figures of the backfill JSON. ``only``: only these assessments are written (the batches of an
    interrupted run that were committed); a team shared with others is still created whole."""
    analysis = analyse(tables, school_id, decisions)
    if only is not None:
        analysis.in_scope &= only
    keys = _scoped_keys(analysis)
    after = copy.deepcopy(tables)
    assessments = _by_id(after["project_assessments"])
    team_project = {t["id"]: t["project_id"] for t in after["project_teams"]}

    created: dict[tuple[int, int], TeamRef] = {}
    for (project, t), members in sorted(analysis.create.items()):
        sharing = sorted(k.assessment_id for k in keys if k.team == ("new", project, t))
        if not sharing:
            continue  # a team of keys outside the scope
        first = assessments[sharing[0]]
        ref = ("new", project, t)
        created[(project, t)] = ref
        team_project[ref] = project
        after["project_teams"].append(
            {
                "id": ref,
                "school_id": first["school_id"],
                "project_id": project,
                "team_id": first["group_id"],
                "display_name_at_time": f"Team {t}",
                "team_number": t,
                "version": 1,
                "backfill_source": "migration",
            }
        )
        after["project_team_members"] += [
            {
                "id": None,
                "school_id": first["school_id"],
                "project_team_id": ref,
                "user_id": user,
                "role": None,
            }
            for user in sorted(members)
        ]

    team_of: dict[Key, TeamRef] = {}
    for key in keys:
        if key.state in ("mapped", "to_link", "to_create"):
            team_of[(key.assessment_id, key.team_number)] = key.team
        if key.state in ("to_link", "to_create"):
            after.setdefault(JUNCTION, []).append(
                {
                    "id": None,
                    "school_id": assessments[key.assessment_id]["school_id"],
                    "project_assessment_id": key.assessment_id,
                    "project_team_id": key.team,
                    "team_number": key.team_number,
                    "source": key.source or ("linked" if key.state == "to_link" else "created"),
                }
            )

    scores_to_update = 0
    for score in after["project_assessment_scores"]:
        score_key = analysis.key_of_score[score["id"]]
        if score_key in team_of and score.get("project_team_id") is None:
            score["project_team_id"] = team_of[score_key]
            scores_to_update += 1

    keys_of: dict[int, list[Key]] = defaultdict(list)
    for a_id, number in analysis.keys:
        keys_of[a_id].append((a_id, number))
    assessments_to_link = 0
    for a_id in sorted(analysis.in_scope):
        a = assessments[a_id]
        if a["project_team_id"] is None and len(keys_of[a_id]) == 1 and keys_of[a_id][0] in team_of:
            assessments_to_link += 1
            a["project_team_id"] = team_of[keys_of[a_id][0]]
            if a["project_id"] is None:
                a["project_id"] = team_project[a["project_team_id"]]

    states = [k.state for k in keys]
    unmapped = {reason: states.count(reason) for reason in REASONS}
    figures = {
        "dry_run": True,
        "team_keys": len(keys),
        "to_link": states.count("to_link"),
        "to_create": states.count("to_create"),
        "teams_to_create": len(created),
        "members_to_add": sum(len(analysis.create[slot]) for slot in created),
        "scores_to_update": scores_to_update,
        "assessments_to_link": assessments_to_link,
        "unmapped": {k: unmapped[k] for k in sorted(unmapped)},
    }
    return BackfillPlan(figures, after)


TEAM_COLUMNS = ("project_team_id",)
NEW_ROW_DROPPED = ("id", "created_at")


def canonical(tables: Tables, old_ids: dict[str, set[Any]]) -> dict[str, Any]:
    """``tables`` comparable with the oracle's: rows that existed before (``old_ids``) by id;
    new rows without id or timestamp, in order; created teams (and every reference to one)
    named ``("new", project, team_number)``."""
    names = {
        t["id"]: ("new", t["project_id"], t["team_number"])
        for t in tables.get("project_teams", [])
        if t["id"] not in old_ids.get("project_teams", set())
    }
    assert len(set(names.values())) == len(names), f"two new teams for one slot: {names}"
    result: dict[str, Any] = {}
    for table, rows in tables.items():
        old: dict[Any, Row] = {}
        new: list[Row] = []
        for row in rows:
            row = {c: names.get(v, v) if c in TEAM_COLUMNS else v for c, v in row.items()}
            if row["id"] in old_ids.get(table, set()):
                old[row["id"]] = row
                continue
            if table == "project_teams":
                row["id"] = names.get(row["id"], row["id"])
            else:
                row = {c: v for c, v in row.items() if c not in NEW_ROW_DROPPED}
            new.append(row)
        result[table] = {"old": old, "new": sorted(new, key=_order)}
    return result


def _order(row: Row) -> str:
    return repr(sorted(row.items()))


def ids(tables: Tables) -> dict[str, set[Any]]:
    return {table: {row["id"] for row in rows} for table, rows in tables.items()}
