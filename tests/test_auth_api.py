"""Login and /me through HTTP: school-scoped lookup, uniform 401s, archived users refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teameval.auth.tokens import TokenClaims, issue_token
from tests.conftest import login
from tests.factories import PASSWORD, SchoolWorld

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"


def test_login_then_me(client: TestClient, two_schools: tuple[SchoolWorld, SchoolWorld]) -> None:
    north, _ = two_schools
    response = client.post(
        LOGIN, json={"school": "north", "email": north.admin.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    me = client.get(ME, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json() == {
        "id": north.admin.id,
        "email": north.admin.email,
        "name": north.admin.name,
        "role": "admin",
        "school": {"id": north.school.id, "slug": "north", "name": "North"},
    }


def test_email_is_matched_case_insensitively_and_trimmed(
    client: TestClient, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    headers = login(client, "north", "  " + north.teacher.email.upper() + " ")
    assert client.get(ME, headers=headers).json()["role"] == "teacher"


@pytest.mark.parametrize(
    ("school", "email", "password"),
    [
        ("north", "admin@north.example.org", "wrong password"),
        ("north", "nobody@north.example.org", PASSWORD),
        ("south", "admin@north.example.org", PASSWORD),  # right person, other school
        ("nowhere", "admin@north.example.org", PASSWORD),
        ("north", "gone@north.example.org", PASSWORD),  # archived
    ],
)
def test_every_wrong_credential_is_the_same_401(
    client: TestClient,
    two_schools: tuple[SchoolWorld, SchoolWorld],
    school: str,
    email: str,
    password: str,
) -> None:
    response = client.post(LOGIN, json={"school": school, "email": email, "password": password})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "School, email or password is not correct."
    assert response.headers["www-authenticate"] == "Bearer"


def test_missing_bad_and_expired_tokens_are_401(
    client: TestClient, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    secret = client.app.state.teameval.secret_key  # type: ignore[attr-defined]
    claims = TokenClaims(user_id=north.admin.id, school_id=north.school.id)
    expired = issue_token(claims, secret, timedelta(seconds=-5))
    forged = issue_token(claims, "another-key-" + "y" * 32, timedelta(minutes=5))
    for headers in (
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": f"Bearer {expired}"},
        {"Authorization": f"Bearer {forged}"},
    ):
        response = client.get(ME, headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["type"] == "/problems/unauthenticated"


def test_token_of_a_user_archived_after_login_stops_working(
    client: TestClient, two_schools: tuple[SchoolWorld, SchoolWorld], session_factory
) -> None:
    north, _ = two_schools
    headers = login(client, "north", north.student.email)
    with session_factory.begin() as session:
        from teameval.models import User

        session.get_one(User, north.student.id).archived = True
    assert client.get(ME, headers=headers).status_code == 401


def test_token_school_claim_must_match_the_user(
    client: TestClient, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, south = two_schools
    secret = client.app.state.teameval.secret_key  # type: ignore[attr-defined]
    mixed = issue_token(
        TokenClaims(user_id=north.admin.id, school_id=south.school.id), secret, timedelta(minutes=5)
    )
    assert client.get(ME, headers={"Authorization": f"Bearer {mixed}"}).status_code == 401


def test_login_validation_errors_name_the_fields(client: TestClient) -> None:
    response = client.post(LOGIN, json={"school": "north", "password": ""})
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "/problems/validation-error"
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"email", "password"}


def test_dev_login_is_off_by_default(
    client: TestClient, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north, _ = two_schools
    response = client.post(
        "/api/v1/auth/dev-login", json={"school": "north", "email": north.admin.email}
    )
    assert response.status_code == 404


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(token=st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=300))
def test_arbitrary_tokens_never_authenticate(client: TestClient, token: str) -> None:
    response = client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
