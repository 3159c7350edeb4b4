"""Property: on random small legacy-shaped databases the access audit's whole document (every
figure, each course, the samples) is what a plain-Python oracle of the two access rules says,
for the whole database and for each school, with any sample limit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teameval.migration.phase3.audit import audit_access
from tests.migration.worlds import World, load_world, make_legacy_engine, worlds

MEMBERSHIP = {None: "none", 0: "eligible", 1: "cross_school", 2: "non_student_member"}
ENROLLMENT = {None: "missing", False: "inactive", True: "active"}


# Ids spread wide enough that the samples' growing id ranges (1,024 ids first) are crossed;
# one user in three archived; one membership row in five of the other school than its group's.
WORLDS = worlds(wide_ids=True, archived=True, other_school_one_in=5, max_enrollments=10)


def oracle(world: World, school: int | None, limit: int) -> dict[str, Any]:
    """The two rules as the issue states them, pair by pair."""
    legacy: dict[tuple[int, int], int] = {}  # (student, course) -> phase 1's anomaly flag
    touches: dict[tuple[int, int], set[int]] = {}
    for (group, user), (active, row_school) in world.members.items():
        if not active:
            continue
        group_school, course = world.groups[group]
        user_school, role, _ = world.users[user]
        same = user_school == group_school == world.courses[course] == row_school
        flag = 2 if role != "student" else (0 if same else 1)
        legacy[(user, course)] = max(flag, legacy.get((user, course), 0))
        touches.setdefault((user, course), set()).update(
            {group_school, row_school, user_school, world.courses[course]}
        )
    if school is not None:
        legacy = {pair: flag for pair, flag in legacy.items() if school in touches[pair]}
    enrolled = {
        (student, course): active
        for (course, student), active in world.enrollments.items()
        if school is None or world.courses[course] == school
    }
    totals = {"agree": 0, "legacy_only": 0, "enrollment_only": 0}
    archived = dict(totals)
    by_course: dict[int, dict[str, int]] = {}
    samples: dict[str, list[dict[str, Any]]] = {"legacy_only": [], "enrollment_only": []}
    for student, course in sorted(set(legacy) | set(enrolled)):
        user_school, role, is_archived = world.users[student]
        membership, enrollment = legacy.get((student, course)), enrolled.get((student, course))
        legacy_allows = membership == 0
        enrollment_allows = (
            enrollment is True and role == "student" and user_school == world.courses[course]
        )
        if legacy_allows and enrollment_allows:
            decision = "agree"
        elif legacy_allows or enrollment_allows:
            decision = "legacy_only" if legacy_allows else "enrollment_only"
        else:
            continue
        if is_archived:
            archived[decision] += 1
            continue
        totals[decision] += 1
        course_figures = by_course.setdefault(course, dict.fromkeys(totals, 0))
        course_figures[decision] += 1
        if decision in samples and len(samples[decision]) < limit:
            samples[decision].append(
                {
                    "student_id": student,
                    "student_name": f"U{student}",
                    "student_email": f"u{student}@example.org",
                    "course_id": course,
                    "course_code": f"C{course}",
                    "membership": MEMBERSHIP[membership],
                    "enrollment": ENROLLMENT[enrollment],
                }
            )
    courses: list[dict[str, Any]] = [
        {"course_id": c, "code": f"C{c}", **figures} for c, figures in by_course.items()
    ]
    courses.sort(key=lambda c: (-c["legacy_only"], -c["enrollment_only"], c["course_id"]))
    return {
        "status": "PASS" if totals["legacy_only"] == 0 else "FAIL",
        "exit_code": 0 if totals["legacy_only"] == 0 else 2,
        "school_id": school,
        "shape": "legacy",
        "pairs": sum(totals.values()),
        **totals,
        "anomalies": {
            "non_student_member": sum(1 for flag in legacy.values() if flag == 2),
            "cross_school": sum(1 for flag in legacy.values() if flag == 1),
        },
        "archived_column": True,
        "archived": archived,
        "by_course": courses,
        "samples": samples,
    }


@pytest.fixture
def legacy_engine(empty_db_url: str) -> Iterator[sa.Engine]:
    engine = make_legacy_engine(empty_db_url)
    yield engine
    engine.dispose()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=WORLDS, school=st.sampled_from([None, 1, 2]), limit=st.integers(0, 3))
def test_the_audit_is_the_oracle(
    legacy_engine: sa.Engine, world: World, school: int | None, limit: int
) -> None:
    load_world(legacy_engine, world)
    with legacy_engine.connect() as connection:
        document = audit_access(connection, school_id=school, sample_limit=limit).to_json()
    document.pop("seconds")
    assert document == oracle(world, school, limit)
