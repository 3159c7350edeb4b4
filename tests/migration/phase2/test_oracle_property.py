"""Property: on small random legacy databases (NULL team numbers and project ids sprinkled in,
several versions of a team, members in several teams, overrides of anyone) the audit's figures
equal the oracle's, and a committed backfill (after expansion) leaves exactly the oracle's end
state, whose audit the oracle predicts again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teameval.db import make_engine
from tests.migration.conftest import cli
from tests.migration.phase2 import oracle
from tests.migration.phase2.dataset import expand, reset_sequences
from tests.migration.phase2.test_audit import figures

# Children first: the order rows are deleted in between examples.
TABLES = (
    "project_assessment_teams",
    "project_assessment_scores",
    "project_assessments",
    "rubric_criteria",
    "rubrics",
    "project_team_members",
    "project_teams",
    "projects",
    "group_members",
    "course_enrollments",
    "groups",
    "courses",
    "users",
    "schools",
)


@dataclass(frozen=True)
class World:
    rows: dict[str, list[dict[str, Any]]]  # table -> rows, parents first


def _maybe(value: st.SearchStrategy[Any], none_weight: int = 1) -> st.SearchStrategy[Any]:
    return st.one_of(*[st.none()] * none_weight, value)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    school = st.integers(1, 2)
    number = st.integers(1, 3)
    users = [
        {
            "id": i,
            "school_id": draw(school),
            "email": f"u{i}@x",
            "name": f"U{i}",
            "role": draw(st.sampled_from(["student"] * 5 + ["teacher"])),
            "archived": draw(st.sampled_from([False] * 5 + [True])),
            "team_number": draw(_maybe(number)),
        }
        for i in range(1, draw(st.integers(1, 8)) + 1)
    ]
    user_ids = [u["id"] for u in users]
    courses = [
        {"id": i, "school_id": draw(school), "name": f"C{i}"}
        for i in range(1, draw(st.integers(1, 3)) + 1)
    ]
    course_ids = [c["id"] for c in courses]
    groups = [
        {
            "id": i,
            "school_id": draw(school),
            "course_id": draw(st.sampled_from(course_ids)),
            "name": f"G{i}",
            "team_number": draw(_maybe(number, 2)),
        }
        for i in range(1, draw(st.integers(1, 3)) + 1)
    ]
    group_ids = [g["id"] for g in groups]
    memberships = draw(
        st.dictionaries(
            st.tuples(st.sampled_from(group_ids), st.sampled_from(user_ids)),
            st.sampled_from([True, True, True, False]),
            max_size=10,
        )
    )
    school_of_group = {g["id"]: g["school_id"] for g in groups}
    group_members = [
        {"school_id": school_of_group[g], "group_id": g, "user_id": u, "active": a}
        for (g, u), a in sorted(memberships.items())
    ]
    projects = [
        {
            "id": i,
            "school_id": draw(school),
            "course_id": draw(_maybe(st.sampled_from(course_ids))),
            "title": f"P{i}",
        }
        for i in range(1, draw(st.integers(1, 3)) + 1)
    ]
    project_ids = [p["id"] for p in projects]
    school_of_project = {p["id"]: p["school_id"] for p in projects}
    teams = []
    for i in range(1, draw(st.integers(0, 5)) + 1):
        project = draw(st.sampled_from(project_ids))
        teams.append(
            {
                "id": 100 + i,
                "school_id": school_of_project[project],
                "project_id": project,
                "team_id": draw(_maybe(st.sampled_from(group_ids))),
                "display_name_at_time": f"T{i}",
                "team_number": draw(number),
                "version": draw(st.integers(1, 2)),
            }
        )
    team_members = []
    if teams:
        pairs = draw(
            st.sets(
                st.tuples(st.sampled_from([t["id"] for t in teams]), st.sampled_from(user_ids)),
                max_size=8,
            )
        )
        school_of_team = {t["id"]: t["school_id"] for t in teams}
        team_members = [
            {"school_id": school_of_team[t], "project_team_id": t, "user_id": u}
            for t, u in sorted(pairs)
        ]
    team_ids = [t["id"] for t in teams]
    assessments = [
        {
            "id": i,
            "school_id": draw(school),
            "project_id": draw(_maybe(st.sampled_from(project_ids))),
            "group_id": draw(st.sampled_from(group_ids)),
            "rubric_id": 1,
            "title": f"A{i}",
            # Already set by someone: the backfill must keep it.
            "project_team_id": draw(_maybe(st.sampled_from(team_ids), 4)) if team_ids else None,
        }
        for i in range(1, draw(st.integers(1, 4)) + 1)
    ]
    school_of_assessment = {a["id"]: a["school_id"] for a in assessments}
    scores = []
    for i in range(1, draw(st.integers(0, 10)) + 1):
        assessment = draw(st.sampled_from(list(school_of_assessment)))
        scores.append(
            {
                "id": i,
                "school_id": school_of_assessment[assessment],
                "assessment_id": assessment,
                "criterion_id": draw(st.integers(1, 2)),
                "team_number": draw(_maybe(number)),
                "student_id": draw(_maybe(st.sampled_from(user_ids), 3)),
                "score": 5,
                "project_team_id": (
                    draw(_maybe(st.sampled_from(team_ids), 5)) if team_ids else None
                ),
            }
        )
    # Keys mapped before (an earlier run or decision), to any team: mapped whatever else holds.
    junction: list[dict[str, Any]] = []
    if team_ids:
        chosen = draw(
            st.dictionaries(
                st.tuples(st.sampled_from(list(school_of_assessment)), _maybe(number)),
                st.sampled_from(team_ids),
                max_size=3,
            )
        )
        used: set[tuple[int, int]] = set()
        for (assessment, t), team in sorted(chosen.items(), key=repr):
            if (assessment, team) in used:
                continue  # unique (project_assessment_id, project_team_id)
            used.add((assessment, team))
            junction.append(
                {
                    "school_id": school_of_assessment[assessment],
                    "project_assessment_id": assessment,
                    "project_team_id": team,
                    "team_number": t,
                    "source": "decision",
                    "created_at": datetime(2025, 1, 1, tzinfo=UTC).replace(tzinfo=None),
                }
            )
    return World(
        {
            "schools": [{"id": 1, "name": "S1"}, {"id": 2, "name": "S2"}],
            "users": users,
            "courses": courses,
            "groups": groups,
            "group_members": group_members,
            "projects": projects,
            "project_teams": teams,
            "project_team_members": team_members,
            "rubrics": [{"id": 1, "school_id": 1, "title": "R", "scale_min": 1, "scale_max": 10}],
            "rubric_criteria": [
                {"id": c, "school_id": 1, "rubric_id": 1, "name": f"K{c}", "weight": c}
                for c in (1, 2)
            ],
            "project_assessments": assessments,
            "project_assessment_scores": scores,
            "project_assessment_teams": junction,
        }
    )


@pytest.fixture
def expanded_url(empty_db_url: str) -> str:
    """An expanded, empty legacy database; each example fills it anew."""
    from teameval.migration.legacy_shape import create_legacy_schema

    engine = make_engine(empty_db_url)
    with engine.begin() as connection:
        create_legacy_schema(connection, assessments=True)
    engine.dispose()
    expand(empty_db_url)
    return empty_db_url


def _load(url: str, world: World) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        for table in TABLES:
            connection.execute(sa.text(f"DELETE FROM {table}"))
        for table, rows in world.rows.items():
            if rows:
                names = ", ".join(rows[0])
                values = ", ".join(f":{c}" for c in rows[0])
                connection.execute(
                    sa.text(f"INSERT INTO {table} ({names}) VALUES ({values})"), rows
                )
        reset_sequences(connection)
    engine.dispose()


def _audit(url: str, *args: str) -> dict[str, Any]:
    result = cli("audit", "assessments", "--database-url", url, "--json", *args)
    assert result.exit_code == result.json()["exit_code"], result.stderr
    return figures(result.json())


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds(), batch_size=st.sampled_from(["1", "2", "500"]))
def test_audit_and_backfill_agree_with_the_oracle(
    expanded_url: str, world: World, batch_size: str
) -> None:
    _load(expanded_url, world)
    before = oracle.read_tables(expanded_url)
    assert _audit(expanded_url) == oracle.audit(before)
    assert _audit(expanded_url, "--school", "2") == oracle.audit(before, 2)

    result = cli(
        "backfill",
        "assessments",
        "--database-url",
        expanded_url,
        "--json",
        "--commit",
        "--batch-size",
        batch_size,
    )
    document = result.json()
    assert document.get("failed_batch") is None, document["failed_batch"]
    plan = oracle.backfill(before)
    assert document["scores_updated"] == plan.figures["scores_to_update"]
    assert document["members_added"] == plan.figures["members_to_add"]
    assert document["created"] == plan.figures["teams_to_create"]
    after = oracle.read_tables(expanded_url)
    ids = oracle.ids(before)
    assert oracle.canonical(after, ids) == oracle.canonical(plan.tables, ids)
    assert _audit(expanded_url) == oracle.audit(after)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds(), school=st.sampled_from(["1", "2"]))
def test_a_school_scoped_backfill_writes_only_what_the_oracle_scopes(
    expanded_url: str, world: World, school: str
) -> None:
    _load(expanded_url, world)
    before = oracle.read_tables(expanded_url)
    args = ["--database-url", expanded_url, "--json", "--commit", "--school", school]
    document = cli("backfill", "assessments", *args).json()
    assert document.get("failed_batch") is None, document["failed_batch"]
    plan = oracle.backfill(before, int(school))
    assert document["scores_updated"] == plan.figures["scores_to_update"]
    ids = oracle.ids(before)
    assert oracle.canonical(oracle.read_tables(expanded_url), ids) == oracle.canonical(
        plan.tables, ids
    )


def test_the_generator_makes_every_state_somewhere() -> None:
    """The random worlds are not all trivial: across a sample of them the oracle sees keys of
    every state and reason (the oracle alone, no database: cheap)."""
    seen: set[str] = set()

    @settings(max_examples=300, deadline=None, database=None, derandomize=True)
    @given(world=worlds())
    def collect(world: World) -> None:
        seen.update(k.state for k in oracle.analyse(world.rows).keys.values())

    collect()
    assert seen >= {"to_link", "to_create", *oracle.REASONS}
