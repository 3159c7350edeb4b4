"""Property: on random legacy-shaped data the audit agrees with a plain-Python oracle, the
backfill writes exactly what the audit said was missing or inactive, and a rerun writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teameval.db import make_engine
from teameval.migration.phase1.audit import audit_enrollments
from teameval.migration.phase1.backfill import run_backfill
from tests.migration.dataset import LEGACY_TABLES, create_legacy_schema


@dataclass(frozen=True)
class World:
    users: list[tuple[int, int, str]]  # id, school, role
    courses: list[tuple[int, int]]  # id, school
    groups: list[tuple[int, int, int]]  # id, school, course
    members: dict[tuple[int, int], bool]  # (group, user) -> active
    enrollments: dict[tuple[int, int], bool]  # (course, student) -> active


@st.composite
def worlds(draw: st.DrawFn) -> World:
    schools = st.integers(1, 2)
    users = [
        (i, draw(schools), draw(st.sampled_from(["student"] * 4 + ["teacher", "admin"])))
        for i in range(1, draw(st.integers(1, 7)) + 1)
    ]
    courses = [(i, draw(schools)) for i in range(1, draw(st.integers(1, 3)) + 1)]
    groups = [
        (i, draw(schools), draw(st.sampled_from([c for c, _ in courses])))
        for i in range(1, draw(st.integers(1, 4)) + 1)
    ]
    members = draw(
        st.dictionaries(
            st.tuples(
                st.sampled_from([g for g, _, _ in groups]),
                st.sampled_from([u for u, _, _ in users]),
            ),
            st.booleans(),
            max_size=12,
        )
    )
    enrollments = draw(
        st.dictionaries(
            st.tuples(
                st.sampled_from([c for c, _ in courses]), st.sampled_from([u for u, _, _ in users])
            ),
            st.booleans(),
            max_size=8,
        )
    )
    return World(users, courses, groups, members, enrollments)


def oracle(world: World) -> dict[str, int]:
    user = {u: (school, role) for u, school, role in world.users}
    course_school = dict(world.courses)
    group = {g: (school, course) for g, school, course in world.groups}
    pairs: dict[tuple[int, int], dict[str, bool]] = {}
    memberships = 0
    for (g, u), active in world.members.items():
        if not active:
            continue
        memberships += 1
        g_school, course = group[g]
        flags = pairs.setdefault((u, course), {"non_student": False, "cross": False})
        flags["non_student"] |= user[u][1] != "student"
        flags["cross"] |= not (user[u][0] == g_school == course_school[course])
    counts = dict.fromkeys(
        ["non_student_member", "cross_school", "missing", "enrolled_inactive", "enrolled_active"], 0
    )
    for (u, course), flags in pairs.items():
        enrolled = world.enrollments.get((course, u))
        if flags["non_student"]:
            counts["non_student_member"] += 1
        elif flags["cross"]:
            counts["cross_school"] += 1
        elif enrolled is None:
            counts["missing"] += 1
        else:
            counts["enrolled_active" if enrolled else "enrolled_inactive"] += 1
    return {**counts, "unique_pairs": len(pairs), "active_memberships": memberships}


@pytest.fixture
def legacy_engine(empty_db_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(empty_db_url)
    with engine.begin() as connection:
        create_legacy_schema(connection)
    yield engine
    engine.dispose()


def _load(engine: sa.Engine, world: World) -> None:
    with engine.begin() as connection:
        for table in reversed(LEGACY_TABLES):
            connection.execute(sa.text(f"DELETE FROM {table}"))

        def rows(sql: str, params: list[dict[str, object]]) -> None:
            if params:
                connection.execute(sa.text(sql), params)

        rows("INSERT INTO schools (id, name) VALUES (:id, 'S')", [{"id": 1}, {"id": 2}])
        rows(
            "INSERT INTO users (id, school_id, email, name, role) "
            "VALUES (:id, :s, 'u' || :id, 'U', :r)",
            [{"id": u, "s": s, "r": r} for u, s, r in world.users],
        )
        rows(
            "INSERT INTO courses (id, school_id, name) VALUES (:id, :s, 'C')",
            [{"id": c, "s": s} for c, s in world.courses],
        )
        rows(
            "INSERT INTO groups (id, school_id, course_id, name) VALUES (:id, :s, :c, 'G')",
            [{"id": g, "s": s, "c": c} for g, s, c in world.groups],
        )
        group_school = {g: s for g, s, _ in world.groups}
        rows(
            "INSERT INTO group_members (school_id, group_id, user_id, active) "
            "VALUES (:s, :g, :u, :a)",
            [{"s": group_school[g], "g": g, "u": u, "a": a} for (g, u), a in world.members.items()],
        )
        rows(
            "INSERT INTO course_enrollments (course_id, student_id, active) VALUES (:c, :u, :a)",
            [{"c": c, "u": u, "a": a} for (c, u), a in world.enrollments.items()],
        )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds(), batch_size=st.integers(0, 3))
def test_audit_matches_oracle_and_backfill_closes_the_gap(
    legacy_engine: sa.Engine, world: World, batch_size: int
) -> None:
    _load(legacy_engine, world)
    expected = oracle(world)
    with legacy_engine.connect() as connection:
        audit = audit_enrollments(connection)
    got = {key: getattr(audit, key) for key in expected}
    assert got == expected
    assert audit.eligible_pairs == audit.enrolled_active + audit.enrolled_inactive + audit.missing

    result = run_backfill(legacy_engine, commit=True, batch_size=batch_size)
    assert (result.tally.created, result.tally.reactivated) == (
        expected["missing"],
        expected["enrolled_inactive"],
    )
    with legacy_engine.connect() as connection:
        after = audit_enrollments(connection)
    assert (after.missing, after.enrolled_inactive) == (0, 0)
    assert after.enrolled_active == audit.eligible_pairs
    assert after.exit_code == (0 if after.anomalies == 0 else 1)
    again = run_backfill(legacy_engine, commit=True, batch_size=batch_size)
    assert (again.tally.created, again.tally.reactivated) == (0, 0)
