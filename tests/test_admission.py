"""Admission control (issue 7): at most ``db_max_concurrency`` requests use the database at once.

The limit is shown by counting, never by timing: a probe route blocks until released, and the
test watches how many requests are inside it and how many wait at the gate.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.admission import Gate
from teameval.api import create_app
from teameval.config import Settings
from teameval.db import POOL_MARGIN, make_app_engine
from tests.factories import PASSWORD, make_world


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(3000):  # bounded; the condition is what is asserted, not the time it takes
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


class Probe:
    """A route that counts who is inside it and blocks until released."""

    def __init__(self) -> None:
        self.inside = 0
        self.most_inside = 0
        self.lock = threading.Lock()
        self.release = threading.Event()

    def route(self) -> dict[str, str]:
        with self.lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        try:
            self.release.wait(timeout=60)
        finally:
            with self.lock:
                self.inside -= 1
        return {"status": "done"}


def _app_with_probe(settings: Settings, **overrides: object) -> tuple[FastAPI, Probe]:
    app = create_app(settings.model_copy(update=overrides))
    probe = Probe()
    app.add_api_route("/api/v1/_probe", probe.route, methods=["GET"])
    return app, probe


@pytest.fixture
def gated(settings: Settings) -> Iterator[tuple[TestClient, Probe, Gate]]:
    app, probe = _app_with_probe(settings, db_max_concurrency=3, db_queue_timeout_seconds=60)
    with TestClient(app) as client:
        yield client, probe, app.state.admission
        probe.release.set()


def test_at_most_the_limit_runs_and_the_rest_wait(
    gated: tuple[TestClient, Probe, Gate],
) -> None:
    client, probe, gate = gated
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = [pool.submit(client.get, "/api/v1/_probe") for _ in range(10)]
        _wait_until(
            lambda: (probe.inside, gate.in_flight, gate.waiting) == (3, 3, 7),
            "3 inside, 7 waiting",
        )
        # Without the gate all 10 would be inside: AnyIO's thread pool has 40 threads.
        assert (probe.inside, gate.in_flight, gate.waiting) == (3, 3, 7)
        probe.release.set()
        results = [answer.result() for answer in answers]
    assert [(r.status_code, r.json()) for r in results] == [(200, {"status": "done"})] * 10
    assert (probe.most_inside, gate.peak, gate.in_flight, gate.waiting) == (3, 3, 0, 0)


def test_health_and_docs_do_not_queue(gated: tuple[TestClient, Probe, Gate]) -> None:
    client, probe, gate = gated
    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = [pool.submit(client.get, "/api/v1/_probe") for _ in range(5)]
        _wait_until(lambda: gate.in_flight == 3 and gate.waiting == 2, "gate full")
        health = client.get("/api/v1/health")
        assert (health.status_code, health.json()["status"]) == (200, "ok")
        assert client.get("/openapi.json").status_code == 200
        probe.release.set()
        assert {answer.result().status_code for answer in answers} == {200}


def test_a_bounded_wait_ends_in_503_with_retry_after(settings: Settings) -> None:
    app, probe = _app_with_probe(settings, db_max_concurrency=1, db_queue_timeout_seconds=0.2)
    gate: Gate = app.state.admission
    with TestClient(app) as client, ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(client.get, "/api/v1/_probe")
        _wait_until(lambda: gate.in_flight == 1, "first request inside")
        refused = client.get("/api/v1/auth/me")
        probe.release.set()
        assert first.result().status_code == 200
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "5"
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json() == {
        "type": "/problems/service-unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": "Too many requests are waiting for the database; nothing was done. "
        "Try again shortly.",
        "instance": "/api/v1/auth/me",
    }
    assert (gate.in_flight, gate.waiting) == (0, 0)


def test_sign_ins_have_their_own_lane(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    """A full main lane does not hold up a login, and logins never take the main lane's turns."""
    with session_factory.begin() as session:
        admin = make_world(session, "north").admin.email
    app, probe = _app_with_probe(settings, db_max_concurrency=1, db_queue_timeout_seconds=0.2)
    gate: Gate = app.state.admission
    login_gate: Gate = app.state.login_admission
    with TestClient(app) as client, ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(client.get, "/api/v1/_probe")
        _wait_until(lambda: gate.in_flight == 1, "the main lane is full")
        signed_in = client.post(
            "/api/v1/auth/login", json={"school": "north", "email": admin, "password": PASSWORD}
        )
        probe.release.set()
        assert first.result().status_code == 200
    assert signed_in.status_code == 200, signed_in.text
    assert (login_gate.peak, gate.peak) == (1, 1)


def test_engine_pool_and_timeouts_follow_the_settings(settings: Settings, backend: str) -> None:
    engine = make_app_engine(
        settings.model_copy(
            update={
                "db_max_concurrency": 7,
                "password_hashing_concurrency": 3,
                "db_lock_timeout_ms": 1234,
            }
        )
    )
    try:
        pool = engine.pool
        assert isinstance(pool, sa.pool.QueuePool)
        assert (pool.size(), pool._max_overflow) == (7 + 3 + POOL_MARGIN, 0)
        with engine.connect() as connection:
            if backend == "postgresql":
                shown = [
                    connection.exec_driver_sql(f"SHOW {name}").scalar()
                    for name in ("lock_timeout", "statement_timeout")
                ]
                assert shown == ["1234ms", "30s"]
            else:
                busy = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
                assert busy == 1234
    finally:
        engine.dispose()


# --- a real server, real concurrent connections ---------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(db_url: str, backend: str, tmp_path: Path) -> Iterator[str]:
    """``teameval serve`` on a PostgreSQL database, with a pool far smaller than the burst."""
    if backend != "postgresql":
        pytest.skip("row locks between concurrent connections: PostgreSQL")
    env = {
        **os.environ,
        "TEAMEVAL_DATABASE_URL": db_url,
        "TEAMEVAL_SECRET_KEY": "test-secret-key-" + "x" * 32,
        "TEAMEVAL_DB_MAX_CONCURRENCY": "4",
    }
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "teameval", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                return httpx.get(f"{base}/api/v1/health").status_code == 200
            except httpx.HTTPError:
                return False

        _wait_until(up, "server answers")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
        assert "Traceback" not in (tmp_path / "serve.log").read_text()


@pytest.mark.postgres_only
def test_conflicting_bursts_beyond_the_pool_answer_2xx_or_409(
    served: str, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        world = make_world(session, "north")
        course, teacher = world.other_course.id, world.teacher.id
        student, admin = world.student.id, world.admin.email
    login = httpx.post(
        f"{served}/api/v1/auth/login",
        json={"school": "north", "email": admin, "password": PASSWORD},
    )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    barrier = threading.Barrier(40)

    def call(method: str, path: str, body: dict[str, int] | None) -> int:
        with httpx.Client(base_url=served, headers=headers, timeout=120) as client:
            barrier.wait()
            return client.request(method, path, json=body).status_code

    def burst(requests: list[tuple[str, str, dict[str, int] | None]]) -> Counter[int]:
        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            return Counter(pool.map(lambda r: call(*r), requests))

    assign = burst([("POST", f"/api/v1/courses/{course}/teachers", {"user_id": teacher})] * 40)
    assert sum(assign.values()) == 40
    assert set(assign) <= {200, 201, 409}, assign
    assert assign[201] == 1, assign  # exactly one request made the assignment
    enroll = (("POST", f"/api/v1/courses/{course}/students", {"student_id": student}),)
    unenroll = (("DELETE", f"/api/v1/courses/{course}/students/{student}", None),)
    toggled = burst(list((enroll + unenroll) * 20))
    assert sum(toggled.values()) == 40
    assert set(toggled) <= {200, 201, 204, 409}, toggled
    with session_factory() as session:
        rows = session.execute(
            sa.text(
                "SELECT count(*) FROM course_enrollments WHERE course_id = :c AND student_id = :s"
            ),
            {"c": course, "s": student},
        ).scalar_one()
    assert rows == 1  # one enrollment row, reactivated and deactivated, never duplicated
