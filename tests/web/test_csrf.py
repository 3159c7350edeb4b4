"""Every state-changing page of the web UI refuses a post without the session's CSRF token.

Walks the app's routes, so a page added later is covered without being listed here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from teameval.web.csrf import check_csrf
from tests.web.conftest import PageClient


def web_routes(client: TestClient, method: str) -> list[Any]:
    """The web UI's routes as mounted (``iter_route_contexts`` walks the included routers)."""
    return [
        route
        for route in iter_route_contexts(client.app.routes)  # type: ignore[attr-defined]
        if isinstance(route.original_route, APIRoute)
        and not route.path.startswith("/api/")
        and method in (route.methods or ())
    ]


def declares_csrf(route: Any) -> bool:
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        if dependant.call is check_csrf:
            return True
        pending.extend(dependant.dependencies)
    return False


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_web_post_route_declares_the_csrf_check(client: TestClient) -> None:
    routes = web_routes(client, "POST")
    assert any(route.path == "/sign-in" for route in routes)
    assert [route.path for route in routes if not declares_csrf(route)] == []
    for method in ("PUT", "PATCH", "DELETE"):  # forms only post; nothing else may change state
        assert web_routes(client, method) == []


def test_a_post_without_the_token_is_refused_and_changes_nothing(
    pages_for: Callable[..., PageClient], client: TestClient
) -> None:
    admin = pages_for("admin")
    for route in web_routes(client, "POST"):
        response = admin.post(concrete(route.path), {"language": "nl"}, csrf=False)
        assert response.status_code == 403, route.path
        assert "did not come from this site" in response.text, route.path
    # The language post above was refused: the page is still in English.
    assert 'lang="en"' in admin.get("/").text


def test_a_wrong_token_is_refused_and_the_header_is_accepted(
    pages_for: Callable[..., PageClient],
) -> None:
    admin = pages_for("admin")
    refused = admin.client.post("/language", data={"language": "nl", "csrf_token": "forged"})
    assert refused.status_code == 403
    accepted = admin.client.post(
        "/language",
        data={"language": "nl"},
        headers={"X-CSRF-Token": admin.csrf_token, "HX-Request": "true"},
    )
    assert accepted.status_code == 200
    assert accepted.headers["HX-Redirect"] == "/"
    assert 'lang="nl"' in admin.get("/").text
