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

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teameval.migration.phase1.backfill import Tally, run_backfill
from tests.migration.worlds import World, load_world, make_legacy_engine, worlds

Pair = tuple[int, int]  # (student, course)

# More groups than courses: students in two teams of one course are common. Memberships mostly
# active; one row in ten written with the other school than its group's. Roles 5:1:1.
WORLDS = worlds(
    max_users=6,
    student_weight=5,
    max_groups=5,
    max_members=14,
    member_active=st.sampled_from([True] * 4 + [False]),
    other_school_one_in=10,
)


def oracle(world: World, school_id: int | None) -> tuple[Tally, set[Pair]]:
    """The report of a dry run (the categories of DESIGN.md's phase 1, counted by hand) and
    the eligible pairs, in the scope of ``school_id``: a membership row counts if any row it is
    made of belongs to that school; a pair's flags are those of its rows that count."""
    flags: dict[Pair, dict[str, bool]] = {}
    for (g, u), (active, row_school) in world.members.items():
        g_school, course = world.groups[g]
        user_school, role, _ = world.users[u]
        schools = {g_school, world.courses[course], user_school, row_school}
        if not active or (school_id is not None and school_id not in schools):
            continue
        pair_flags = flags.setdefault((u, course), {"non_student": False, "cross": False})
        pair_flags["non_student"] |= role != "student"
        pair_flags["cross"] |= len(schools) > 1
    counts = dict.fromkeys(["non_student", "cross", "missing", "inactive", "active"], 0)
    eligible: set[Pair] = set()
    for (student, course), flag in flags.items():
        enrolled = world.enrollments.get((course, student))
        if flag["non_student"]:
            counts["non_student"] += 1
        elif flag["cross"]:
            counts["cross"] += 1
        else:
            eligible.add((student, course))
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
    engine = make_legacy_engine(empty_db_url, enrollment_school=request.param)
    yield engine
    engine.dispose()


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
@given(world=WORLDS, school_id=st.sampled_from([None, 1, 2]), batch_size=st.integers(0, 3))
def test_a_commit_counts_what_the_categories_count_and_writes_exactly_the_eligible_pairs(
    legacy_engine: sa.Engine, world: World, school_id: int | None, batch_size: int
) -> None:
    load_world(legacy_engine, world)
    expected, eligible = oracle(world, school_id)
    has_school = _has_school(legacy_engine)
    before = _enrollments(legacy_engine, has_school)

    dry = run_backfill(legacy_engine, school_id=school_id, batch_size=batch_size)
    assert dry.tally == expected

    commit = run_backfill(legacy_engine, school_id=school_id, commit=True, batch_size=batch_size)
    assert commit.tally == Tally(
        **{**vars(expected), "created": expected.to_create, "reactivated": expected.to_reactivate}
    )
    after = dict(before)
    for pair in eligible:
        if pair in before:
            after[pair] = (True, before[pair][1])
        else:
            after[pair] = (True, world.courses[pair[1]] if has_school else None)
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
