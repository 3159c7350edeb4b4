"""Password hashing runs with bounded concurrency; past the wait bound a login gets 503."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from teameval.api import create_app
from teameval.auth import passwords
from teameval.auth.passwords import HashingBusy, HashingGate, verify_password
from teameval.config import Settings
from teameval.models import LoginThrottle
from tests.factories import PASSWORD, SchoolWorld

LOGIN = "/api/v1/auth/login"


class _Spy:
    """Stands in for argon2's hasher: its verify records how many run at once. Calls wait until
    ``target`` are running at the same time (or, as a safety net, a while has passed), so the
    overlap the gate allows does happen, without the test depending on how fast anything is."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.running = 0
        self.most = 0
        self.calls = 0
        self._lock = threading.Lock()
        self._overlap = threading.Event()

    def verify(self, _hash: str, _password: str) -> bool:
        with self._lock:
            self.running += 1
            self.calls += 1
            self.most = max(self.most, self.running)
            if self.running >= self.target:
                self._overlap.set()
        self._overlap.wait(timeout=2)
        with self._lock:
            self.running -= 1
        return True


@pytest.mark.parametrize("concurrency", [1, 2, 3])
def test_the_gate_bounds_how_many_hash_at_once(
    monkeypatch: pytest.MonkeyPatch, concurrency: int
) -> None:
    spy = _Spy(target=concurrency)
    monkeypatch.setattr(passwords, "_hasher", spy)
    stored = "$argon2id$stored-hash"
    gate = HashingGate(concurrency=concurrency, wait_seconds=30)
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda _: verify_password(stored, PASSWORD, gate), range(36)))
    assert results == [True] * 36
    assert spy.calls == 36
    assert spy.most == concurrency


def test_without_a_bound_hashes_do_pile_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """The spy can see the failure the gate guards against."""
    spy = _Spy(target=6)
    monkeypatch.setattr(passwords, "_hasher", spy)
    wide_open = HashingGate(concurrency=64, wait_seconds=30)
    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda _: verify_password("$argon2id$x", "y", wide_open), range(36)))
    assert spy.most >= 6


def test_no_turn_within_the_wait_bound_is_hashing_busy() -> None:
    gate = HashingGate(concurrency=1, wait_seconds=0.05)
    with gate.turn(), pytest.raises(HashingBusy):
        verify_password(None, "anything", gate)
    assert verify_password(None, "anything", gate) is False  # the turn is free again


def test_a_login_that_gets_no_turn_is_503_and_does_not_count(
    db_url: str, engine: sa.Engine, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    settings = Settings(
        database_url=db_url,
        secret_key="test-secret-key-" + "x" * 32,
        password_hashing_concurrency=1,
        password_hashing_wait_seconds=0.05,
    )
    body: dict[str, Any] = {"school": "north", "email": north.admin.email, "password": PASSWORD}
    with TestClient(create_app(settings)) as client:
        gate = client.app.state.teameval.hashing_gate  # type: ignore[attr-defined]
        with gate.turn():  # someone else is hashing for longer than the wait bound
            response = client.post(LOGIN, json=body)
        assert response.status_code == 503
        assert int(response.headers["retry-after"]) >= 1
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["type"] == "/problems/hashing-busy"
        assert problem["status"] == 503
        # The attempt was never judged, so it is not held against the account or the address.
        with engine.connect() as connection:
            counts = connection.execute(sa.select(LoginThrottle.failures)).scalars().all()
        assert counts == [0, 0]
        assert client.post(LOGIN, json=body).status_code == 200
