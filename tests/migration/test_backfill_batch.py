"""Property: a committing backfill counts exactly what the category definition counts.

On PostgreSQL a batch writes and counts in one statement shaped unlike the audit's
(``backfill_statements``: memberships joined to their enrollment first, only the pairs still to
do grouped). On random legacy-shaped data, in every school scope and batch size, its report must
equal a plain-Python oracle and the dry run (``classified_pairs``), and the enrollments it
leaves must be exactly the expected ones, row for row. The data has what makes the counting
subtle: a student in two teams of one course, a membership row of another school on one of a
pair's rows only, non-student members, inactive memberships and enrollments."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teameval.db import make_engine
from teameval.migration.phase1.backfill import Tally, run_backfill
from tests.migration.dataset import LEGACY_TABLES, create_legacy_schema

Pair = tuple[int, int]  # (student, course)


@dataclass(frozen=True)
class World:
    users: list[tuple[int, int, str]]  # id, school, role
    courses: list[tuple[int, int]]  # id, school
    groups: list[tuple[int, int, int]]  # id, school, course
    members: dict[tuple[int, int], tuple[bool, bool]]  # (group, user) -> active, row's school odd
    enrollments: dict[Pair, bool]  # (student, course) -> active


@st.composite
def worlds(draw: st.DrawFn) -> World:
    schools = st.integers(1, 2)
    roles = st.sampled_from(["student"] * 5 + ["teacher", "admin"])
    users = [(i, draw(schools), draw(roles)) for i in range(1, draw(st.integers(1, 6)) + 1)]
    courses = [(i, draw(schools)) for i in range(1, draw(st.integers(1, 3)) + 1)]
    # More groups than courses: students in two teams of one course are common.
    groups = [
        (i, draw(schools), draw(st.sampled_from([c for c, _ in courses])))
        for i in range(1, draw(st.integers(1, 5)) + 1)
    ]
    user_ids = st.sampled_from([u for u, _, _ in users])
    members = draw(
        st.dictionaries(
            st.tuples(st.sampled_from([g for g, _, _ in groups]), user_ids),
            # Mostly active; one row in ten written with the other school than its group's.
            st.tuples(st.sampled_from([True] * 4 + [False]), st.sampled_from([False] * 9 + [True])),
            max_size=14,
        )
    )
    enrollments = draw(
        st.dictionaries(
            st.tuples(user_ids, st.sampled_from([c for c, _ in courses])), st.booleans(), max_size=8
        )
    )
    return World(users, courses, groups, members, enrollments)


def _other(school: int) -> int:
    return 3 - school


def oracle(world: World, school_id: int | None) -> tuple[Tally, set[Pair]]:
    """The report of a dry run (the categories of DESIGN.md's phase 1, counted by hand) and
    the eligible pairs, in the scope of ``school_id``: a membership row counts if any row it is
    made of belongs to that school; a pair's flags are those of its rows that count."""
    user = {u: (school, role) for u, school, role in world.users}
    course_school = dict(world.courses)
    group = {g: (school, course) for g, school, course in world.groups}
    flags: dict[Pair, dict[str, bool]] = {}
    for (g, u), (active, odd) in world.members.items():
        g_school, course = group[g]
        row_school = _other(g_school) if odd else g_school
        schools = {g_school, course_school[course], user[u][0], row_school}
        if not active or (school_id is not None and school_id not in schools):
            continue
        pair_flags = flags.setdefault((u, course), {"non_student": False, "cross": False})
        pair_flags["non_student"] |= user[u][1] != "student"
        pair_flags["cross"] |= len(schools) > 1
    counts = dict.fromkeys(["non_student", "cross", "missing", "inactive", "active"], 0)
    eligible: set[Pair] = set()
    for pair, flag in flags.items():
        enrolled = world.enrollments.get(pair)
        if flag["non_student"]:
            counts["non_student"] += 1
        elif flag["cross"]:
            counts["cross"] += 1
        else:
            eligible.add(pair)
            counts["missing" if enrolled is None else "active" if enrolled else "inactive"] += 1
    tally = Tally(
        eligible_pairs=len(eligible),
        already_active=counts["active"],
        to_create=counts["missing"],
        to_reactivate=counts["inactive"],
        non_student_member=counts["non_student"],
        cross_school=counts["cross"],
    )
    return tally, eligible


@pytest.fixture(params=[False, True], ids=["enrollments-without-school", "enrollments-with-school"])
def legacy_engine(request: pytest.FixtureRequest, empty_db_url: str) -> Iterator[sa.Engine]:
    """The legacy shape; in the second variant its enrollments have a nullable ``school_id``,
    which the backfill fills with the pair's school."""
    engine = make_engine(empty_db_url)
    with engine.begin() as connection:
        create_legacy_schema(connection)
        if request.param:
            connection.execute(
                sa.text("ALTER TABLE course_enrollments ADD COLUMN school_id INTEGER")
            )
    yield engine
    engine.dispose()


def _load(engine: sa.Engine, world: World) -> None:
    with engine.begin() as connection:
        for table in reversed(LEGACY_TABLES):
            connection.execute(sa.text(f"DELETE FROM {table}"))

        def rows(sql: str, params: list[dict[str, Any]]) -> None:
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
        school_of = {g: s for g, s, _ in world.groups}
        rows(
            "INSERT INTO group_members (school_id, group_id, user_id, active) "
            "VALUES (:s, :g, :u, :a)",
            [
                {"s": _other(school_of[g]) if odd else school_of[g], "g": g, "u": u, "a": a}
                for (g, u), (a, odd) in world.members.items()
            ],
        )
        rows(
            "INSERT INTO course_enrollments (course_id, student_id, active) VALUES (:c, :u, :a)",
            [{"c": c, "u": u, "a": a} for (u, c), a in world.enrollments.items()],
        )


def _has_school(engine: sa.Engine) -> bool:
    with engine.connect() as connection:
        columns = sa.inspect(connection).get_columns("course_enrollments")
    return any(c["name"] == "school_id" for c in columns)


def _enrollments(engine: sa.Engine, has_school: bool) -> dict[Pair, tuple[bool, int | None]]:
    """Every enrollment: (student, course) -> (active, school_id or None)."""
    school = "school_id" if has_school else "NULL"
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(f"SELECT student_id, course_id, active, {school} FROM course_enrollments")
        ).all()
    found = {(int(s), int(c)): (bool(a), sc) for s, c, a, sc in rows}
    assert len(found) == len(rows), "duplicate enrollment"
    return found


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds(), school_id=st.sampled_from([None, 1, 2]), batch_size=st.integers(0, 3))
def test_a_commit_counts_what_the_categories_count_and_writes_exactly_the_eligible_pairs(
    legacy_engine: sa.Engine, world: World, school_id: int | None, batch_size: int
) -> None:
    _load(legacy_engine, world)
    expected, eligible = oracle(world, school_id)
    has_school = _has_school(legacy_engine)
    before = _enrollments(legacy_engine, has_school)

    dry = run_backfill(legacy_engine, school_id=school_id, batch_size=batch_size)
    assert dry.tally == expected

    commit = run_backfill(legacy_engine, school_id=school_id, commit=True, batch_size=batch_size)
    assert commit.tally == Tally(
        **{**vars(expected), "created": expected.to_create, "reactivated": expected.to_reactivate}
    )
    course_school = dict(world.courses)
    after = dict(before)
    for pair in eligible:
        if pair in before:
            after[pair] = (True, before[pair][1])
        else:
            after[pair] = (True, course_school[pair[1]] if has_school else None)
    assert _enrollments(legacy_engine, has_school) == after

    again = run_backfill(legacy_engine, school_id=school_id, commit=True, batch_size=batch_size)
    assert again.tally == Tally(
        **{
            **vars(expected),
            "already_active": expected.eligible_pairs,
            "to_create": 0,
            "to_reactivate": 0,
        }
    )
