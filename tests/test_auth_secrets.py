"""Signing keys: no fixed key anywhere, one generated per SQLite database, lifetimes enforced."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from teameval import schema
from teameval.api import create_app
from teameval.auth.instance_key import SIGNING_KEY_NAME, instance_secret
from teameval.auth.tokens import TokenClaims, issue_token
from teameval.config import Settings
from teameval.models import InstanceSecret
from tests.conftest import login
from tests.databases import throwaway_sqlite
from tests.factories import SchoolWorld

ME = "/api/v1/auth/me"
# The constant every install used to sign with when TEAMEVAL_SECRET_KEY was unset (SQLite).
OLD_DEVELOPMENT_KEY = "teameval-development-key-not-for-production-use"


def _keyless_settings(db_url: str) -> Settings:
    """What an operator gets without TEAMEVAL_SECRET_KEY: SQLite generates its own key;
    PostgreSQL requires one, so there the test runs with a configured key."""
    if db_url.startswith("sqlite"):
        return Settings(database_url=db_url, secret_key=None)
    return Settings(database_url=db_url, secret_key="configured-" + "k" * 40)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_forged_with_the_old_development_key_is_refused(
    db_url: str, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    forged = issue_token(
        TokenClaims(user_id=north.admin.id, school_id=north.school.id),
        OLD_DEVELOPMENT_KEY,
        timedelta(minutes=30),
    )
    with TestClient(create_app(_keyless_settings(db_url))) as client:
        response = client.get(ME, headers=_bearer(forged))
        assert response.status_code == 401
        assert response.json() == {
            "type": "/problems/unauthenticated",
            "title": "Authentication required",
            "status": 401,
            "detail": "The access token is missing, invalid or expired.",
            "instance": ME,
        }
        # The same admin, signed in properly, is accepted: only the forgery is refused.
        me = client.get(ME, headers=login(client, "north", north.admin.email))
        assert me.status_code == 200
        assert me.json()["id"] == north.admin.id


def test_sqlite_key_is_made_once_per_database_and_survives_a_restart(
    db_url: str,
    backend: str,
    tmp_path: Path,
    two_schools: tuple[SchoolWorld, SchoolWorld],
) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL never generates a key: TEAMEVAL_SECRET_KEY is required")
    north, _ = two_schools
    first = create_app(_keyless_settings(db_url))
    key = first.state.teameval.secret_key
    assert len(key) >= 43  # 32 random bytes, URL-safe base64
    assert key != OLD_DEVELOPMENT_KEY
    with TestClient(first) as client:
        headers = login(client, "north", north.student.email)
    # A restart (a new app on the same database) has the same key and honours the old session.
    restarted = create_app(_keyless_settings(db_url))
    assert restarted.state.teameval.secret_key == key
    with TestClient(restarted) as client:
        assert client.get(ME, headers=headers).json()["id"] == north.student.id
    with sa.create_engine(db_url).connect() as connection:
        rows = connection.execute(sa.select(InstanceSecret.name, InstanceSecret.value)).all()
    assert [tuple(row) for row in rows] == [(SIGNING_KEY_NAME, key)]
    # Another install (another database) has a key of its own, and refuses this one's tokens.
    with throwaway_sqlite(tmp_path) as other_url:
        schema.upgrade(other_url)
        other = create_app(_keyless_settings(other_url))
        assert other.state.teameval.secret_key != key
        with TestClient(other) as client:
            assert client.get(ME, headers=headers).status_code == 401


def test_a_configured_key_wins_and_stores_nothing(db_url: str) -> None:
    app = create_app(Settings(database_url=db_url, secret_key="configured-" + "k" * 40))
    assert app.state.teameval.secret_key == "configured-" + "k" * 40
    with sa.create_engine(db_url).connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(InstanceSecret)) == 0


def test_processes_starting_at_once_agree_on_one_key(db_url: str) -> None:
    """Real concurrent connections (one engine per 'process'), racing to create the secret."""
    engines = [sa.create_engine(db_url) for _ in range(8)]
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            keys = list(pool.map(lambda engine: instance_secret(engine, "race"), engines))
    finally:
        for engine in engines:
            engine.dispose()
    assert len(set(keys)) == 1
    with sa.create_engine(db_url).connect() as connection:
        stored = connection.execute(
            sa.select(InstanceSecret.value).where(InstanceSecret.name == "race")
        ).all()
    assert [row.value for row in stored] == [keys[0]]


def test_token_lifetime_is_enforced_by_the_server(
    client: TestClient, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    state = client.app.state.teameval  # type: ignore[attr-defined]
    claims = TokenClaims(user_id=north.admin.id, school_id=north.school.id)
    within = issue_token(claims, state.secret_key, state.token_lifetime)
    too_long = issue_token(claims, state.secret_key, state.token_lifetime + timedelta(minutes=1))
    year = issue_token(claims, state.secret_key, timedelta(days=365))
    assert client.get(ME, headers=_bearer(within)).status_code == 200
    for token in (too_long, year):
        response = client.get(ME, headers=_bearer(token))
        assert response.status_code == 401
        assert response.json()["type"] == "/problems/unauthenticated"


def test_a_shorter_lifetime_setting_ends_longer_tokens_already_issued(
    db_url: str, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    key = "configured-" + "k" * 40
    with TestClient(create_app(Settings(database_url=db_url, secret_key=key))) as client:
        headers = login(client, "north", north.admin.email)  # 60 minutes
        assert client.get(ME, headers=headers).status_code == 200
    shorter = Settings(database_url=db_url, secret_key=key, token_lifetime_minutes=10)
    with TestClient(create_app(shorter)) as client:
        assert client.get(ME, headers=headers).status_code == 401
        assert client.get(ME, headers=login(client, "north", north.admin.email)).status_code == 200


@pytest.mark.parametrize("missing", ["iat", "exp"])
def test_tokens_without_iat_or_exp_are_refused(
    client: TestClient, two_schools: tuple[SchoolWorld, SchoolWorld], missing: str
) -> None:
    north, _ = two_schools
    secret = client.app.state.teameval.secret_key  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    payload = {
        "sub": str(north.admin.id),
        "sch": north.school.id,
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    complete = jwt.encode(payload, secret, algorithm="HS256")
    assert client.get(ME, headers=_bearer(complete)).status_code == 200
    del payload[missing]
    partial = jwt.encode(payload, secret, algorithm="HS256")
    assert client.get(ME, headers=_bearer(partial)).status_code == 401


def test_a_token_issued_in_the_future_is_refused(
    client: TestClient, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    secret = client.app.state.teameval.secret_key  # type: ignore[attr-defined]
    later = datetime.now(UTC) + timedelta(minutes=30)
    payload = {"sub": str(north.admin.id), "sch": north.school.id, "iat": later, "exp": later}
    token = jwt.encode(payload, secret, algorithm="HS256")
    assert client.get(ME, headers=_bearer(token)).status_code == 401
