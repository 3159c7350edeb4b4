"""The duplicate team score builder (issue 12, anomaly ``duplicate_team_scores``) against a
plain-Python oracle of its definition, on hypothesis-generated score rows, on both engines:
whole database, per school and per assessment range."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teameval.db import make_engine
from teameval.migration.legacy_shape import create_legacy_schema
from teameval.migration.phase2.duplicates import excess_team_score_rows
from teameval.migration.phase2.probe import probe_assessment_schema
from teameval.migration.runner.batches import KeyRange
from teameval.migration.runner.database import as_connection

# group id -> (school, team number); assessment id -> (school, group)
GROUPS = {1: (1, None), 2: (1, 4), 3: (2, 4)}
Excess = tuple[int, int, int | None, int, int]  # id, assessment, t, criterion, kept id


@dataclass(frozen=True)
class World:
    assessments: dict[int, tuple[int, int]]
    # id -> (assessment, criterion, team_number, student)
    scores: dict[int, tuple[int, int, int | None, int | None]]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    assessments = {
        a: (draw(st.sampled_from([1, 2])), draw(st.sampled_from(sorted(GROUPS))))
        for a in range(1, draw(st.integers(1, 4)) + 1)
    }
    row = st.tuples(
        st.sampled_from(sorted(assessments)),
        st.integers(1, 2),
        st.sampled_from([None, 4, 5]),
        st.sampled_from([None, None, None, 1]),
    )
    ids = draw(st.lists(st.integers(1, 60), unique=True, max_size=25))
    return World(assessments, {i: draw(row) for i in ids})


def oracle(world: World, school: int | None, low: int | None, high: int | None) -> set[Excess]:
    groups: dict[tuple[int, int | None, int], list[int]] = {}
    for score_id, (a, criterion, team_number, student) in world.scores.items():
        a_school, group = world.assessments[a]
        in_school = school is None or school in (a_school, GROUPS[group][0])
        in_range = (low is None or a >= low) and (high is None or a < high)
        if student is None and in_school and in_range:
            t = team_number if team_number is not None else GROUPS[group][1]
            groups.setdefault((a, t, criterion), []).append(score_id)
    return {
        (score_id, a, t, criterion, max(ids))
        for (a, t, criterion), ids in groups.items()
        for score_id in ids
        if score_id != max(ids)
    }


@pytest.fixture
def legacy_engine(empty_db_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(empty_db_url)
    with engine.begin() as connection:
        create_legacy_schema(connection, assessments=True)
        connection.execute(sa.text("INSERT INTO schools (id, name) VALUES (1, 'N'), (2, 'S')"))
        connection.execute(sa.text("INSERT INTO courses (id, school_id, name) VALUES (1, 1, 'C')"))
        for group, (school, t) in GROUPS.items():
            connection.execute(
                sa.text(
                    "INSERT INTO groups (id, school_id, course_id, name, team_number) "
                    "VALUES (:g, :s, 1, 'G', :t)"
                ),
                {"g": group, "s": school, "t": t},
            )
        connection.execute(
            sa.text(
                "INSERT INTO users (id, school_id, email, name, role) VALUES (1, 1, 'u', 'U', "
                "'student')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO rubrics (id, school_id, title, scale_min, scale_max) "
                "VALUES (1, 1, 'R', 1, 5)"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO rubric_criteria (id, school_id, rubric_id, name) "
                "VALUES (1, 1, 1, 'a'), (2, 1, 1, 'b')"
            )
        )
    yield engine
    engine.dispose()


def _load(engine: sa.Engine, world: World) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM project_assessment_scores"))
        connection.execute(sa.text("DELETE FROM project_assessments"))
        for a, (school, group) in world.assessments.items():
            connection.execute(
                sa.text(
                    "INSERT INTO project_assessments (id, school_id, group_id, rubric_id, title) "
                    "VALUES (:a, :s, :g, 1, 'A')"
                ),
                {"a": a, "s": school, "g": group},
            )
        for score_id, (a, criterion, t, student) in world.scores.items():
            connection.execute(
                sa.text(
                    "INSERT INTO project_assessment_scores (id, school_id, assessment_id, "
                    "criterion_id, team_number, student_id, score) "
                    "VALUES (:i, 1, :a, :c, :t, :u, 3)"
                ),
                {"i": score_id, "a": a, "c": criterion, "t": t, "u": student},
            )


def _built(engine: sa.Engine, school: int | None, low: int | None, high: int | None) -> set[Excess]:
    with engine.connect() as connection:
        schema = probe_assessment_schema(as_connection(connection))
        keys = None if low is None and high is None else KeyRange(low, high)
        statement = excess_team_score_rows(schema, school_id=school, assessments=keys)
        rows = connection.execute(statement).all()
    found = {(r.id, r.assessment_id, r.team_number, r.criterion_id, r.kept_id) for r in rows}
    assert len(found) == len(rows)  # each excess row once
    return found


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    world=worlds(),
    school=st.sampled_from([None, 1, 2]),
    low=st.sampled_from([None, 2]),
    high=st.sampled_from([None, 3]),
)
def test_builder_matches_the_oracle(
    legacy_engine: sa.Engine, world: World, school: int | None, low: int | None, high: int | None
) -> None:
    _load(legacy_engine, world)
    assert _built(legacy_engine, school, low, high) == oracle(world, school, low, high)


def test_null_team_numbers_group_like_a_value(legacy_engine: sa.Engine) -> None:
    # Group 1 has no team number: rows without one have t NULL and still form one group;
    # group 2's rows without a number take its 4, so they group with explicit 4s.
    world = World(
        {1: (1, 1), 2: (1, 2)},
        {
            1: (1, 1, None, None),
            2: (1, 1, None, None),
            3: (1, 1, None, 1),  # an override: never a duplicate team score
            4: (2, 1, None, None),
            5: (2, 1, 4, None),
            6: (2, 1, 5, None),
        },
    )
    _load(legacy_engine, world)
    assert _built(legacy_engine, None, None, None) == {(1, 1, None, 1, 2), (4, 2, 4, 1, 5)}
