"""Database down → every route answers 503 problem details with Retry-After, then recovers.

PostgreSQL: the test's database stops accepting connections and its sessions are terminated
(the pool's connections die under it). SQLite: another connection holds the file's exclusive
lock. Either way the app is not restarted: when the database is back, the same app answers.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.api import create_app
from teameval.config import Settings
from tests.conftest import login
from tests.databases import admin_execute
from tests.factories import SchoolWorld

UNAVAILABLE = {
    "type": "/problems/service-unavailable",
    "title": "Service unavailable",
    "status": 503,
}
# Bodies that get past validation for the routes that touch the database only after it.
BODIES: dict[str, dict[str, Any]] = {
    "/api/v1/auth/login": {"school": "north", "email": "x@north.example.org", "password": "pw"},
    "/api/v1/auth/dev-login": {"school": "north", "email": "x@north.example.org"},
}


@contextmanager
def database_down(db_url: str, backend: str) -> Iterator[None]:
    if backend == "postgresql":
        name = sa.engine.make_url(db_url).database
        admin_execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin_execute(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        )
        try:
            yield
        finally:
            admin_execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        return
    holder = sqlite3.connect(str(sa.engine.make_url(db_url).database), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def _routes(client: TestClient, headers: dict[str, str]) -> list[tuple[str, str]]:
    """Every API route and method of the app (generated: a new route is covered).

    Paths come from the app's routes (FastAPI keeps included routers as branches, hence
    ``effective_route_contexts``), path parameters filled in; a method belongs to a path when
    the app does not answer it with 405 (asked while the database is up).
    """
    paths: set[str] = set()
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, APIRoute):
            paths.add(route.path)
        for context in getattr(route, "effective_route_contexts", list)():
            paths.add(context.path_format)
    found = []
    for path in sorted(p for p in paths if p.startswith("/api/")):
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            if client.request(method, concrete, headers=headers).status_code != 405:
                found.append((method, concrete))
    return found


@pytest.fixture
def down_client(settings: Settings) -> Iterator[TestClient]:
    fast = settings.model_copy(update={"dev_login": True, "db_lock_timeout_ms": 50})
    with TestClient(create_app(fast), raise_server_exceptions=False) as client:
        yield client


def test_every_route_answers_503_while_the_database_is_down_then_recovers(
    down_client: TestClient,
    db_url: str,
    backend: str,
    two_schools: tuple[SchoolWorld, SchoolWorld],
) -> None:
    north, _ = two_schools
    headers = login(down_client, "north", north.admin.email)  # valid auth, before the outage
    routes = _routes(down_client, headers)
    assert len(routes) > 25
    assert {("POST", "/api/v1/auth/login"), ("GET", "/api/v1/health")} <= set(routes)
    with database_down(db_url, backend):
        answers = []
        for method, path in routes:
            response = down_client.request(method, path, headers=headers, json=BODIES.get(path))
            body = response.json()
            answers.append(
                (
                    method,
                    path,
                    response.status_code,
                    response.headers.get("Retry-After"),
                    response.headers.get("content-type"),
                    {key: body.get(key) for key in UNAVAILABLE},
                    body.get("instance"),
                )
            )
    expected = [
        (method, path, 503, "5", "application/problem+json", UNAVAILABLE, path)
        for method, path in routes
    ]
    assert answers == expected
    # Back without a restart: the same app, the same token.
    me = down_client.get("/api/v1/auth/me", headers=headers)
    assert (me.status_code, me.json()["email"]) == (200, north.admin.email)
    health = down_client.get("/api/v1/health")
    assert (health.status_code, health.json()["status"]) == (200, "ok")


def test_a_constraint_the_services_missed_is_a_409_problem(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    """The IntegrityError fallback: a database-enforced rule no service checked first."""

    @client.app.get("/api/v1/_duplicate")  # type: ignore[attr-defined]
    def duplicate() -> None:
        with session_factory.begin() as session:
            session.execute(sa.text("INSERT INTO schools (slug, name) VALUES ('dup', 'A')"))
            session.execute(sa.text("INSERT INTO schools (slug, name) VALUES ('dup', 'B')"))

    response = client.get("/api/v1/_duplicate")
    assert (response.status_code, response.headers["content-type"]) == (
        409,
        "application/problem+json",
    )
    assert response.json() == {
        "type": "/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "Conflicting change; nothing saved. Reload and try again.",
        "instance": "/api/v1/_duplicate",
    }
    with session_factory() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM schools WHERE slug = 'dup'")) == 0


@pytest.mark.postgres_only
def test_a_deadlock_victim_is_a_409_problem(
    client: TestClient, session_factory: sessionmaker[Session], backend: str
) -> None:
    """Two requests lock two rows in opposite orders: PostgreSQL rolls one back (40P01)."""
    if backend != "postgresql":
        pytest.skip("deadlock detection between concurrent connections: PostgreSQL")
    with session_factory.begin() as session:
        session.execute(sa.text("INSERT INTO schools (slug, name) VALUES ('a', 'A'), ('b', 'B')"))
    both_hold_one = threading.Barrier(2, timeout=30)

    @client.app.post("/api/v1/_lock/{first}/{second}")  # type: ignore[attr-defined]
    def lock_two(first: str, second: str) -> dict[str, str]:
        with session_factory.begin() as session:
            rename = sa.text("UPDATE schools SET name = name || '!' WHERE slug = :slug")
            session.execute(rename, {"slug": first})
            both_hold_one.wait()
            session.execute(rename, {"slug": second})
        return {"locked": first + second}

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(client.post, ["/api/v1/_lock/a/b", "/api/v1/_lock/b/a"]))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 409], [answer.text for answer in answers]
    refused = next(answer for answer in answers if answer.status_code == 409)
    assert refused.json() == {
        "type": "/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "Conflicting simultaneous change; nothing saved. Reload and try again.",
        "instance": refused.json()["instance"],
    }
