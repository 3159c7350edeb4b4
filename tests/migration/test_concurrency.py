"""Backfills racing the application and each other on PostgreSQL: no unique-key error, no
duplicate, nothing lost, and every pair counted by exactly one writer."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from teameval.db import make_engine
from teameval.migration.phase1.audit import audit_enrollments
from teameval.migration.phase1.backfill import BackfillResult, run_backfill
from tests.migration.dataset import create_legacy_schema

STUDENTS = 1500
COURSES_PER_STUDENT = 2

# Student s takes courses 1 + s % 20 and 1 + (s + 7) % 20, one team each; by hash of the pair
# about 30 % have no enrollment and 5 % an inactive one.
GENERATE = [
    "INSERT INTO schools (id, name) VALUES (1, 'School')",
    "INSERT INTO courses (id, school_id, name) SELECT c, 1, 'Course ' || c "
    "FROM generate_series(1, 20) c",
    "INSERT INTO groups (id, school_id, course_id, name, team_number) "
    "SELECT c, 1, c, 'Team', 1 FROM generate_series(1, 20) c",
    f"INSERT INTO users (id, school_id, email, name, role) SELECT s, 1, 'u' || s || '@x.org', "
    f"'User ' || s, 'student' FROM generate_series(1, {STUDENTS}) s",
    f"CREATE TEMP TABLE pairs AS SELECT s AS student_id, 1 + (s + k * 7) % 20 AS course_id, "
    f"(s * 37 + k * 11) % 100 AS h FROM generate_series(1, {STUDENTS}) s, "
    f"generate_series(0, {COURSES_PER_STUDENT - 1}) k",
    "INSERT INTO group_members (school_id, group_id, user_id, active) "
    "SELECT 1, course_id, student_id, TRUE FROM pairs",
    "INSERT INTO course_enrollments (course_id, student_id, active) "
    "SELECT course_id, student_id, h >= 35 FROM pairs WHERE h >= 30",
]
# What the application's enrollment service does for one pair (an upsert that reactivates).
APP_UPSERT = sa.text(
    "INSERT INTO course_enrollments AS ce (course_id, student_id, active) "
    "VALUES (:course, :student, TRUE) ON CONFLICT (course_id, student_id) "
    "DO UPDATE SET active = TRUE WHERE ce.active IS NOT TRUE RETURNING (xmax = 0) AS inserted"
)


@pytest.fixture
def busy_url(empty_db_url: str, backend: str) -> str:
    if backend != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises every writer)")
    engine = make_engine(empty_db_url)
    with engine.begin() as connection:
        create_legacy_schema(connection)
        for statement in GENERATE:
            connection.execute(sa.text(statement))
    engine.dispose()
    return empty_db_url


def _todo(connection: sa.Connection, active: bool | None) -> list[tuple[int, int]]:
    condition = "e.course_id IS NULL" if active is None else "e.active IS FALSE"
    rows = connection.execute(
        sa.text(
            "SELECT p.user_id, p.group_id FROM group_members p LEFT JOIN course_enrollments e "
            "ON e.course_id = p.group_id AND e.student_id = p.user_id "  # group id = course id
            f"WHERE {condition} ORDER BY 1, 2"
        )
    ).all()
    return [(int(s), int(c)) for s, c in rows]


def test_backfills_racing_the_application(busy_url: str) -> None:
    engine = make_engine(busy_url, pool_size=8)
    with engine.connect() as connection:
        missing = _todo(connection, None)
        inactive = _todo(connection, False)
    assert len(missing) > 500
    assert len(inactive) > 50
    # The application touches a random half of the pairs needing work, one transaction each.
    rng = random.Random(4)
    app_pairs = rng.sample(missing + inactive, (len(missing) + len(inactive)) // 2)
    slices = [app_pairs[i::3] for i in range(3)]
    start = threading.Barrier(5)
    errors: list[BaseException] = []
    app_counts = {"inserted": 0, "reactivated": 0}
    results: list[BackfillResult] = []
    lock = threading.Lock()

    def guarded(work: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            try:
                start.wait(timeout=30)
                work()
            except BaseException as error:  # any error at all fails the test
                errors.append(error)

        return run

    def application(pairs: list[tuple[int, int]]) -> Callable[[], None]:
        def work() -> None:
            for student, course in pairs:
                with engine.begin() as connection:
                    row = connection.execute(
                        APP_UPSERT, {"course": course, "student": student}
                    ).first()
                if row is not None:
                    with lock:
                        app_counts["inserted" if row.inserted else "reactivated"] += 1

        return work

    def backfill(batch_size: int) -> Callable[[], None]:
        def work() -> None:
            results.append(run_backfill(engine, commit=True, batch_size=batch_size))

        return work

    threads = [threading.Thread(target=guarded(application(s))) for s in slices]
    threads += [threading.Thread(target=guarded(backfill(n))) for n in (40, 70)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert [(r.exit_code, r.failed_batch) for r in results] == [(0, None), (0, None)]
    # Both write in the unique key's order, so neither deadlocked the other and had to retry
    # (unordered, about one run in six lost a batch to a deadlock).
    assert [r.batches_retried for r in results] == [0, 0]

    created = sum(r.tally.created for r in results) + app_counts["inserted"]
    reactivated = sum(r.tally.reactivated for r in results) + app_counts["reactivated"]
    # Every pair was written by exactly one of the five writers: nothing twice, nothing lost.
    assert (created, reactivated) == (len(missing), len(inactive))
    assert app_counts["inserted"] > 0
    assert sum(r.tally.created for r in results) > 0
    with engine.connect() as connection:
        total, distinct = connection.execute(
            sa.text(
                "SELECT count(*), count(DISTINCT (course_id, student_id)) FROM course_enrollments"
            )
        ).one()
        audit = audit_enrollments(connection)
    engine.dispose()
    assert total == distinct == STUDENTS * COURSES_PER_STUDENT
    assert (audit.missing, audit.enrolled_inactive, audit.status.value) == (0, 0, "PASS")
