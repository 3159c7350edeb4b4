"""Login throttling per account and per client address, counted in the database (HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from teameval.api import create_app
from teameval.auth.throttling import (
    ACCOUNT,
    ADDRESS,
    Attempt,
    Limit,
    LoginThrottler,
    account_key,
)
from teameval.config import Settings
from teameval.errors import TooManyRequests
from teameval.models import LoginThrottle
from tests.factories import PASSWORD, SchoolWorld

LOGIN = "/api/v1/auth/login"
WRONG = "not the password"
WINDOW = 15 * 60


def _post(client: TestClient, email: str, password: str, school: str = "north") -> Any:
    return client.post(LOGIN, json={"school": school, "email": email, "password": password})


def _counts(engine: sa.Engine) -> dict[tuple[str, str], int]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(LoginThrottle.scope, LoginThrottle.key, LoginThrottle.failures)
        ).all()
    return {(row.scope, row.key): row.failures for row in rows}


def _assert_throttled(response: Any) -> None:
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= WINDOW
    assert response.json() == {
        "type": "/problems/too-many-requests",
        "title": "Too many requests",
        "status": 429,
        "detail": "Too many failed sign-in attempts. Try again later.",
        "instance": LOGIN,
        "retry_after": retry_after,
    }


@contextmanager
def _app(db_url: str, **overrides: Any) -> Iterator[TestClient]:
    settings = Settings(database_url=db_url, secret_key="test-secret-key-" + "x" * 32, **overrides)
    with TestClient(create_app(settings)) as client:
        yield client


def test_sixth_wrong_password_is_429_and_then_even_the_right_one(
    client: TestClient, engine: sa.Engine, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    for _ in range(5):
        assert _post(client, north.admin.email, WRONG).status_code == 401
    assert _counts(engine)[(ACCOUNT, "north/admin@north.example.org")] == 5
    _assert_throttled(_post(client, north.admin.email, WRONG))
    _assert_throttled(_post(client, north.admin.email, PASSWORD))
    # Spelled differently, it is the same account.
    _assert_throttled(_post(client, "  ADMIN@north.example.org ", PASSWORD, school="North"))
    # Refused attempts count nowhere: the block does not grow, the address keeps its allowance.
    assert _counts(engine) == {
        (ACCOUNT, "north/admin@north.example.org"): 5,
        (ADDRESS, "testclient"): 5,
    }
    # Another account is not affected.
    assert _post(client, north.teacher.email, PASSWORD).status_code == 200


def test_a_success_before_the_limit_clears_the_accounts_count(
    client: TestClient, engine: sa.Engine, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    for _ in range(4):
        assert _post(client, north.admin.email, WRONG).status_code == 401
    assert _post(client, north.admin.email, PASSWORD).status_code == 200
    # The account starts afresh; the address only got the successful attempt back.
    assert _counts(engine) == {(ADDRESS, "testclient"): 4}
    for _ in range(5):
        assert _post(client, north.admin.email, WRONG).status_code == 401
    _assert_throttled(_post(client, north.admin.email, WRONG))


def test_unknown_accounts_are_throttled_exactly_like_known_ones(
    db_url: str, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools

    def answers(email: str) -> list[tuple[int, str | None, dict[str, Any]]]:
        # A fresh address limit per run, so the two runs start from the same state.
        with _app(db_url, login_address_max_failures=1000) as client:
            result = []
            for _ in range(7):
                response = _post(client, email, WRONG)
                body = response.json()
                result.append((response.status_code, body.pop("retry_after", None) and "set", body))
            return result

    known = answers(north.admin.email)
    unknown = answers("nobody@north.example.org")
    assert [status for status, _, _ in known] == [401] * 5 + [429] * 2
    assert known == unknown


def test_after_the_window_the_account_may_try_again(
    client: TestClient, engine: sa.Engine, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    for _ in range(5):
        _post(client, north.admin.email, WRONG)
    _assert_throttled(_post(client, north.admin.email, PASSWORD))
    with engine.begin() as connection:
        connection.execute(
            sa.update(LoginThrottle).values(
                window_started_at=datetime.now(UTC) - timedelta(seconds=WINDOW + 1)
            )
        )
    assert _post(client, north.admin.email, PASSWORD).status_code == 200


def test_throttling_by_address_across_accounts(
    db_url: str, engine: sa.Engine, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, south = two_schools
    with _app(db_url, login_address_max_failures=3) as client:
        # Successful sign-ins from a shared address (a school's NAT) never use up its allowance.
        for _ in range(5):
            assert _post(client, north.student.email, PASSWORD).status_code == 200
        for email in (north.admin.email, north.teacher.email, "nobody@north.example.org"):
            assert _post(client, email, WRONG).status_code == 401
        # A fourth failure-counted attempt from this address, at yet another account, is refused.
        _assert_throttled(_post(client, south.admin.email, PASSWORD, school="south"))
        # Refused at the address, so the untouched account was not counted either.
        assert (ACCOUNT, "south/admin@south.example.org") not in _counts(engine)


def test_two_server_processes_share_the_counts(
    db_url: str, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    with _app(db_url) as first, _app(db_url) as second:
        for client in (first, second, first, second, first):
            assert _post(client, north.admin.email, WRONG).status_code == 401
        _assert_throttled(_post(second, north.admin.email, PASSWORD))
        _assert_throttled(_post(first, north.admin.email, PASSWORD))


def test_a_throttled_attempt_costs_no_hash(
    client: TestClient, two_schools: tuple[SchoolWorld, SchoolWorld], monkeypatch: Any
) -> None:
    north, _ = two_schools
    gate = client.app.state.teameval.hashing_gate  # type: ignore[attr-defined]
    turns: list[int] = []
    original = gate.turn

    @contextmanager
    def counted_turn() -> Iterator[None]:
        turns.append(1)
        with original():
            yield

    monkeypatch.setattr(gate, "turn", counted_turn)
    for email in (north.admin.email, "nobody@north.example.org"):
        for _ in range(5):
            _post(client, email, WRONG)
    # One hash per judged attempt, unknown accounts included (same cost as known ones) ...
    assert len(turns) == 10
    for email in (north.admin.email, "nobody@north.example.org"):
        _assert_throttled(_post(client, email, WRONG))
    # ... and none for a refused one.
    assert len(turns) == 10


def _throttler(session_factory: sessionmaker[Session]) -> LoginThrottler:
    window = timedelta(seconds=WINDOW)
    return LoginThrottler(session_factory, Limit(ACCOUNT, 5, window), Limit(ADDRESS, 1000, window))


def test_concurrent_attempts_cannot_slip_past_the_limit(db_url: str) -> None:
    """40 simultaneous attempts on one account, each on its own connection (its own 'process'):
    exactly the limit gets through to a password check, whatever the interleaving."""
    engines = [sa.create_engine(db_url) for _ in range(8)]
    throttlers = [_throttler(sessionmaker(bind=engine)) for engine in engines]
    attempt = Attempt("north/admin@north.example.org", "192.0.2.7")

    def try_once(index: int) -> str:
        try:
            throttlers[index % len(throttlers)].count_attempt(attempt)
        except TooManyRequests:
            return "refused"
        return "counted"

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            outcomes = list(pool.map(try_once, range(40)))
        assert outcomes.count("counted") == 5
        assert outcomes.count("refused") == 35
        assert _counts(engines[0]) == {
            (ACCOUNT, attempt.account): 5,
            (ADDRESS, attempt.address): 5,
        }
    finally:
        for engine in engines:
            engine.dispose()


def test_success_prunes_windows_that_ended(session_factory: sessionmaker[Session]) -> None:
    throttler = _throttler(session_factory)
    long_ago = datetime.now(UTC) - timedelta(days=1)
    throttler.count_attempt(Attempt("north/old@north.example.org", "192.0.2.1"), now=long_ago)
    throttler.count_attempt(Attempt("north/recent@north.example.org", "192.0.2.2"))
    with session_factory.begin() as session:
        throttler.succeeded(session, Attempt("north/admin@north.example.org", "192.0.2.3"))
    with session_factory() as session:
        keys = set(session.scalars(sa.select(LoginThrottle.key)))
    assert keys == {"north/recent@north.example.org", "192.0.2.2"}


@pytest.mark.parametrize(
    ("elapsed", "retry_after"),
    [(timedelta(minutes=10, seconds=30), 270), (timedelta(minutes=14, seconds=59.5), 1)],
)
def test_retry_after_is_the_rest_of_the_window(
    session_factory: sessionmaker[Session], elapsed: timedelta, retry_after: int
) -> None:
    throttler = _throttler(session_factory)
    start = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    attempt = Attempt("north/admin@north.example.org", "192.0.2.9")
    for minute in range(5):
        throttler.count_attempt(attempt, now=start + timedelta(minutes=minute))
    with pytest.raises(TooManyRequests) as refused:
        throttler.count_attempt(attempt, now=start + elapsed)
    assert refused.value.headers() == {"Retry-After": str(retry_after)}
    # Once the window is over, a new one opens with this attempt as its first.
    throttler.count_attempt(attempt, now=start + timedelta(seconds=WINDOW))


def test_a_simultaneous_guessing_burst_gets_exactly_the_limit_checked(
    db_url: str, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    """Through HTTP, two server instances, 24 guesses at once: 5 answered 401, the rest 429."""
    north, _ = two_schools
    with _app(db_url) as first, _app(db_url) as second:
        clients = [first, second]
        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = list(
                pool.map(
                    lambda n: _post(clients[n % 2], north.admin.email, WRONG).status_code,
                    range(24),
                )
            )
    assert sorted(answers) == [401] * 5 + [429] * 19


@given(
    email=st.emails(),
    slug=st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
    padding=st.sampled_from(["", " ", "  \t"]),
)
def test_every_spelling_of_an_account_shares_one_count(email: str, slug: str, padding: str) -> None:
    canonical = account_key(slug, email)
    assert account_key(padding + slug.upper() + padding, padding + email.upper() + padding) == (
        canonical
    )
    assert len(canonical) <= 400
