"""Fixtures for the web UI's page tests: the roster test world (north = the caller's school,
south = another) and browsers signed in as each role.

``pages_for("teacher")`` is a client signed in as north's teacher through a session cookie
signed with the app's key, as the sign-in form would set it (the form itself, with its
deliberately slow password hash, is tested in ``test_sign_in.py``). Its ``post`` sends the
session's CSRF token unless told not to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from teameval.config import Settings
from teameval.models import User
from teameval.web.session import COOKIE_NAME, Visitor, _serializer
from tests.roster.conftest import SECRET, RosterWorld, build_worlds
from tests.statements import recorded_statements

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class PageClient:
    """A browser of the web UI: keeps its cookie, sends the CSRF token with each post."""

    def __init__(self, client: TestClient, csrf_token: str) -> None:
        self.client = client
        self.csrf_token = csrf_token

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("follow_redirects", False)
        return self.client.get(path, **kwargs)

    def post(
        self,
        path: str,
        data: dict[str, Any] | list[tuple[str, Any]] | None = None,
        *,
        csrf: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        kwargs.setdefault("follow_redirects", False)
        pairs = list(data.items()) if isinstance(data, dict) else list(data or [])
        if csrf:
            pairs.append(("csrf_token", self.csrf_token))
        fields: dict[str, list[Any]] = {}  # httpx takes repeated fields as lists
        for name, value in pairs:
            fields.setdefault(name, []).append(value)
        return self.client.post(path, data=fields, **kwargs)

    def statements(self, path: str) -> tuple[httpx.Response, list[str]]:
        """GET ``path`` and the SQL statements the app sent for it."""
        engine: sa.Engine = self.client.app.state.engine  # type: ignore[attr-defined]
        with recorded_statements(engine) as statements:
            response = self.get(path)
        return response, list(statements)


def session_cookie(user: User, language: str | None = None) -> tuple[str, str]:
    """(cookie value, CSRF token) of a browser signed in as ``user``."""
    visitor = Visitor.new()
    visitor.sign_in(user.id, user.school_id)
    visitor.language = language
    return _serializer(SECRET).dumps(visitor.payload()), visitor.csrf_token


def signed_in(app_client: TestClient, user: User, language: str | None = None) -> PageClient:
    client = TestClient(app_client.app, base_url="http://testserver")
    value, token = session_cookie(user, language)
    client.cookies.set(COOKIE_NAME, value)
    return PageClient(client, token)


def anonymous(app_client: TestClient) -> PageClient:
    """A browser that has not signed in; its CSRF token comes from the sign-in page."""
    client = TestClient(app_client.app, base_url="http://testserver")
    found = CSRF_FIELD.search(client.get("/sign-in").text)
    assert found, "the sign-in page has a CSRF token"
    return PageClient(client, found.group(1))


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, secret_key=SECRET)


@pytest.fixture
def worlds(session_factory: Any) -> RosterWorld:
    return build_worlds(session_factory, "north", "south")


@pytest.fixture
def pages_for(client: TestClient, worlds: RosterWorld) -> Iterator[Callable[..., PageClient]]:
    """``pages_for("admin")``: north's admin; ``pages_for("student", school="south")``."""
    opened: list[PageClient] = []

    def make(role: str, school: str = "north", language: str | None = None) -> PageClient:
        world = worlds.north if school == "north" else worlds.south
        page_client = signed_in(client, getattr(world, role), language)
        opened.append(page_client)
        return page_client

    yield make
    for page_client in opened:
        page_client.client.close()
