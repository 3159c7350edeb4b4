"""Property: on random legacy-shaped data the audit agrees with a plain-Python oracle, the
backfill writes exactly what the audit said was missing or inactive, and a rerun writes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teameval.migration.phase1.audit import audit_enrollments
from teameval.migration.phase1.backfill import run_backfill
from tests.migration.worlds import World, load_world, make_legacy_engine, worlds

# Every membership row has its group's school and nobody is archived: the audit's categories
# on the plainest data (tests/migration/test_backfill_batch.py draws rows of the other school).
WORLDS = worlds()


def oracle(world: World) -> dict[str, int]:
    pairs: dict[tuple[int, int], dict[str, bool]] = {}
    memberships = 0
    for (g, u), (active, row_school) in world.members.items():
        if not active:
            continue
        memberships += 1
        g_school, course = world.groups[g]
        user_school, role, _ = world.users[u]
        flags = pairs.setdefault((u, course), {"non_student": False, "cross": False})
        flags["non_student"] |= role != "student"
        flags["cross"] |= not (user_school == g_school == world.courses[course] == row_school)
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
    engine = make_legacy_engine(empty_db_url)
    yield engine
    engine.dispose()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=WORLDS, batch_size=st.integers(0, 3))
def test_audit_matches_oracle_and_backfill_closes_the_gap(
    legacy_engine: sa.Engine, world: World, batch_size: int
) -> None:
    load_world(legacy_engine, world)
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
