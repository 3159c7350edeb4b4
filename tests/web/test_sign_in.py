"""Signing in and out through the forms: the cookie, the throttle, the redirect back."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from teameval.web.session import COOKIE_NAME
from tests.factories import PASSWORD
from tests.roster.conftest import RosterWorld
from tests.web.conftest import PageClient, anonymous


def sign_in(browser: PageClient, school: str, email: str, password: str, next_path: str = "/"):  # type: ignore[no-untyped-def]
    return browser.post(
        "/sign-in", {"school": school, "email": email, "password": password, "next": next_path}
    )


def test_a_page_asks_for_sign_in_and_comes_back_after_it(
    client: TestClient, worlds: RosterWorld
) -> None:
    browser = anonymous(client)
    asked = browser.get("/account")
    assert asked.status_code == 303
    assert asked.headers["location"] == "/sign-in?next=/account"
    signed = sign_in(browser, "north", worlds.north.teacher.email, PASSWORD, "/account")
    assert signed.status_code == 303
    assert signed.headers["location"] == "/account"
    cookie = signed.headers["set-cookie"]
    assert COOKIE_NAME in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http here; behind HTTPS it is set
    account = browser.get("/account")
    assert account.status_code == 200
    assert worlds.north.teacher.email in account.text
    assert "north" in account.text.lower()


def test_the_sign_in_token_changes_with_the_sign_in(
    client: TestClient, worlds: RosterWorld
) -> None:
    browser = anonymous(client)
    before = browser.csrf_token
    sign_in(browser, "north", worlds.north.admin.email, PASSWORD)
    home = browser.get("/")
    assert before not in home.text
    # The old token no longer works: a post with it is refused.
    stale = browser.client.post("/language", data={"language": "nl", "csrf_token": before})
    assert stale.status_code == 403


@pytest.mark.parametrize(
    ("school", "email", "password"),
    [
        ("north", "teacher@north.example.org", "wrong password"),
        ("south", "teacher@north.example.org", PASSWORD),  # right person, other school
        ("north", "nobody@north.example.org", PASSWORD),
    ],
)
def test_wrong_credentials_show_one_message_and_keep_what_was_typed(
    client: TestClient, worlds: RosterWorld, school: str, email: str, password: str
) -> None:
    browser = anonymous(client)
    refused = sign_in(browser, school, email, password)
    assert refused.status_code == 401
    assert "School, email address or password is not correct." in refused.text
    assert f'value="{email}"' in refused.text
    assert password not in refused.text
    assert browser.get("/").status_code == 303  # still not signed in


def test_an_archived_user_cannot_sign_in(client: TestClient, worlds: RosterWorld) -> None:
    refused = sign_in(anonymous(client), "north", worlds.north.archived_student.email, PASSWORD)
    assert refused.status_code == 401


def test_the_form_is_throttled_like_the_api(client: TestClient, worlds: RosterWorld) -> None:
    browser = anonymous(client)
    email = worlds.north.teacher.email
    statuses = [sign_in(browser, "north", email, "wrong").status_code for _ in range(5)]
    assert statuses == [401] * 5
    blocked = sign_in(browser, "north", email, PASSWORD)  # even the right password, now
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many attempts" in blocked.text
    # The API counts the same account: it is blocked there too.
    api = client.post(
        "/api/v1/auth/login", json={"school": "north", "email": email, "password": PASSWORD}
    )
    assert api.status_code == 429


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_only_local_pages_are_returned_to(
    client: TestClient, worlds: RosterWorld, target: str
) -> None:
    signed = sign_in(anonymous(client), "north", worlds.north.admin.email, PASSWORD, target)
    assert signed.status_code == 303
    assert signed.headers["location"] == "/"


def test_empty_fields_are_named(client: TestClient, worlds: RosterWorld) -> None:
    refused = sign_in(anonymous(client), "", "", "")
    assert refused.status_code == 422
    assert "Fill in your school, email address and password." in refused.text


def test_sign_out_ends_the_session(pages_for: Callable[..., PageClient]) -> None:
    teacher = pages_for("teacher")
    assert teacher.get("/").status_code == 200
    out = teacher.post("/sign-out")
    assert out.status_code == 303
    assert out.headers["location"] == "/sign-in"
    assert "You are signed out." in teacher.get("/sign-in").text
    assert teacher.get("/").status_code == 303


def test_a_signed_in_visitor_of_the_sign_in_page_goes_home(
    pages_for: Callable[..., PageClient],
) -> None:
    response = pages_for("student").get("/sign-in")
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_a_forged_cookie_is_a_new_visitor(client: TestClient, worlds: RosterWorld) -> None:
    browser = TestClient(client.app)
    browser.cookies.set(COOKIE_NAME, "eyJ1IjoxfQ.forged.signature")
    response = browser.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in")
