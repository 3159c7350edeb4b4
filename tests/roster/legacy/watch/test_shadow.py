"""Phase 3's shadow comparison on live traffic: a student's course-access point decisions are
evaluated the legacy way too and counted per course and day, without changing any answer; not
for staff, not for list filters, not with legacy groups off; a failing counter write never fails
the request; concurrent requests on PostgreSQL lose no increment."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from teameval.roster.legacy.watch.counts import utc_today
from tests.roster.conftest import API, RosterWorld, app_client, bearer
from tests.roster.legacy.watch.conftest import ShadowCases, shadow_rows, usage_rows
from tests.roster.race_server import Call, served

pytestmark = pytest.mark.legacy  # the shadow runs only while legacy groups are on


def _student(worlds: RosterWorld, user_id: int) -> dict[str, str]:
    from datetime import timedelta

    from teameval.auth.tokens import TokenClaims, issue_token
    from tests.roster.conftest import SECRET

    claims = TokenClaims(user_id=user_id, school_id=worlds.north.school.id)
    return {"Authorization": f"Bearer {issue_token(claims, SECRET, timedelta(minutes=30))}"}


def test_each_student_decision_is_counted_by_agreement_and_answers_stay_the_enrollments(
    client: TestClient, worlds: RosterWorld, cases: ShadowCases, engine: sa.Engine
) -> None:
    course, project = worlds.north.course.id, worlds.north_project.id
    expected = {  # course view and project view: the enrollment decides
        cases.agree.id: (200, 200),
        cases.legacy_only.id: (403, 403),
        cases.enrollment_only.id: (200, 200),
    }
    for user_id, (course_status, project_status) in expected.items():
        headers = _student(worlds, user_id)
        answer = client.get(f"{API}/courses/{course}", headers=headers)
        assert answer.status_code == course_status, answer.text
        if course_status == 200:
            assert answer.json()["id"] == course
        assert client.get(f"{API}/projects/{project}", headers=headers).status_code == (
            project_status
        )
    assert shadow_rows(engine) == [
        (worlds.north.school.id, course, utc_today(), 6, 2, 2),
    ]
    # Nothing else was counted: a student's point decision is no legacy read or call.
    assert usage_rows(engine) == []


def test_staff_lists_unknown_ids_and_other_schools_are_not_decisions(
    client: TestClient, worlds: RosterWorld, cases: ShadowCases, engine: sa.Engine
) -> None:
    course = worlds.north.course.id
    for role in ("admin", "teacher"):
        assert client.get(f"{API}/courses/{course}", headers=bearer(worlds.north, role)).is_success
    student = _student(worlds, cases.legacy_only.id)
    assert client.get(f"{API}/courses", headers=student).status_code == 200  # a list filter
    assert client.get(f"{API}/courses/{worlds.south.course.id}", headers=student).status_code == 404
    assert client.get(f"{API}/courses/999999", headers=student).status_code == 404
    assert shadow_rows(engine) == []


def test_with_legacy_groups_off_nothing_is_shadowed(
    db_url: str, worlds: RosterWorld, cases: ShadowCases, engine: sa.Engine
) -> None:
    with app_client(db_url, legacy_groups="off") as off:
        for student in (cases.agree, cases.legacy_only, cases.enrollment_only):
            off.get(f"{API}/courses/{worlds.north.course.id}", headers=_student(worlds, student.id))
    assert shadow_rows(engine) == []


def test_a_failing_counter_write_does_not_fail_the_request(
    client: TestClient,
    worlds: RosterWorld,
    cases: ShadowCases,
    engine: sa.Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    course = worlds.north.course.id
    with engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE access_shadow_counts RENAME TO shadow_aside"))
    with caplog.at_level(logging.ERROR, logger="teameval.roster.legacy.watch.middleware"):
        answer = client.get(f"{API}/courses/{course}", headers=_student(worlds, cases.agree.id))
        groups = client.get(f"{API}/courses/{course}/groups", headers=bearer(worlds.north, "admin"))
    assert answer.status_code == 200
    assert answer.json()["id"] == course
    assert groups.status_code == 200
    assert [group["id"] for group in groups.json()["items"]] == [worlds.north_group.id]
    failures = [r for r in caplog.records if "could not write the request's counts" in r.message]
    assert len(failures) == 1  # the student's shadow; the admin's call went to the other table
    with engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE shadow_aside RENAME TO access_shadow_counts"))
    assert shadow_rows(engine) == []
    today = utc_today()
    groups_route = "GET /api/v1/courses/{course_id}/groups"
    assert usage_rows(engine) == [(worlds.north.school.id, today, groups_route, "call", 1)]


def _run_threads(base: str, plans: list[list[Call]]) -> list[tuple[str, int]]:
    """One thread and one HTTP connection per plan, released together, each sending its calls
    one after another: real concurrent requests and database connections."""
    barrier = threading.Barrier(len(plans))
    answers: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(plan: list[Call]) -> None:
        try:
            with httpx.Client(base_url=base, timeout=60) as http:
                http.get("/health")
                barrier.wait(timeout=60)
                for call in plan:
                    status = http.request(call.method, call.path, headers=call.headers).status_code
                    with lock:
                        answers.append((call.path, status))
        except BaseException as error:  # reported in the test, not lost in a thread
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert len(answers) == sum(len(plan) for plan in plans)
    return answers


def test_concurrent_requests_lose_no_increment(
    backend: str,
    db_url: str,
    worlds: RosterWorld,
    cases: ShadowCases,
    engine: sa.Engine,
    tmp_path: Path,
) -> None:
    if backend != "postgresql":
        pytest.skip("real concurrent connections: PostgreSQL")
    course = worlds.north.course.id
    students = [cases.agree, cases.legacy_only, cases.enrollment_only]
    teacher = bearer(worlds.north, "teacher")
    calls: list[list[Call]] = []
    for thread in range(8):
        student = _student(worlds, students[thread % 3].id)
        calls.append(
            [
                Call("GET", f"/courses/{course}", student),
                Call("GET", f"/courses/{course}/groups", teacher),
            ]
            * 25
        )
    with served(db_url, tmp_path / "server.log") as base:
        answers = _run_threads(base, calls)
    assert sorted(set(answers)) == [
        (f"/courses/{course}", 200),
        (f"/courses/{course}", 403),
        (f"/courses/{course}/groups", 200),
    ]
    # Threads 0, 3, 6 agree; 1, 4, 7 legacy-only; 2, 5 enrollment-only: 25 decisions each.
    assert shadow_rows(engine) == [(worlds.north.school.id, course, utc_today(), 200, 75, 50)]
    assert usage_rows(engine) == [
        (worlds.north.school.id, utc_today(), "GET /api/v1/courses/{course_id}/groups", "call", 200)
    ]
