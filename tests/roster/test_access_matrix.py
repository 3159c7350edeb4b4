"""Every route x every role, and every route with another school's ids (DESIGN.md 1, 4); the
table covers every route of the app."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from tests.roster.conftest import API, RosterWorld, bearer
from tests.roster.routes_table import EXEMPT, ROLES, ROUTES, Route, call

MATRIX = [
    pytest.param(route, role, id=f"{route.name}-{role}") for route in ROUTES for role in ROLES
]
FOREIGN = [
    pytest.param(route, path, body, id=f"{route.name}-{index}")
    for route in ROUTES
    for index, (path, body) in enumerate(route.foreign)
]


@pytest.mark.parametrize(("route", "role"), MATRIX)
def test_role_matrix(
    shared_client: TestClient, shared_worlds: RosterWorld, route: Route, role: str
) -> None:
    headers = bearer(shared_worlds.north, role)
    response = call(shared_client, shared_worlds, route.method, route.path, route.body, headers)
    expected = route.ok if route.allowed[role] else 403
    assert response.status_code == expected, response.text
    if expected == 403:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "/problems/forbidden"


@pytest.mark.parametrize("route", [pytest.param(r, id=r.name) for r in ROUTES])
def test_every_route_needs_a_token(
    shared_client: TestClient, shared_worlds: RosterWorld, route: Route
) -> None:
    response = call(shared_client, shared_worlds, route.method, route.path, route.body, {})
    assert response.status_code == 401


@pytest.mark.parametrize(("route", "path", "body"), FOREIGN)
def test_another_schools_ids_are_404(
    shared_client: TestClient,
    shared_worlds: RosterWorld,
    route: Route,
    path: str,
    body: dict[str, object] | None,
) -> None:
    # North's admin may do everything in north, so a 404 can only come from the foreign id.
    headers = bearer(shared_worlds.north, "admin")
    response = call(shared_client, shared_worlds, route.method, path, body, headers)
    assert response.status_code == 404, response.text
    assert response.json()["type"] == "/problems/not-found"


def test_every_route_with_an_id_has_foreign_cases() -> None:
    for route in ROUTES:
        if "{N." in route.path or "{N." in str(route.body):
            assert route.foreign, f"{route.name} has ids but no other-school case"


def _app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path under /api/v1) of every API route as mounted (FastAPI keeps included
    routers nested; ``iter_route_contexts`` is its public way to walk them)."""
    return {
        (method, str(route.path).removeprefix(API))
        for route in iter_route_contexts(app.routes)
        # The web UI's pages have their own table (tests/web/pages_table.py).
        if isinstance(route.original_route, APIRoute) and str(route.path).startswith(API)
        for method in set(route.methods or ()) - {"HEAD"}
    }


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def test_route_table_is_complete(shared_client: TestClient) -> None:
    """Every route of the app has roles in the table (or a documented exemption), so a new
    route cannot ship without someone deciding who may call it."""
    app_routes = {(method, _shape(path)) for method, path in _app_routes(shared_client.app)}  # type: ignore[arg-type]
    tabled = {(route.method, _shape(route.path)) for route in ROUTES}
    exempt = {(method, _shape(path)) for method, path in EXEMPT}
    missing = sorted(app_routes - tabled - exempt)
    assert missing == [], f"routes missing from tests/roster/routes_table.py: {missing}"
    stale = sorted((tabled | exempt) - app_routes)
    assert stale == [], f"table or EXEMPT entries that name no route of the app: {stale}"
    assert not tabled & exempt, "a route is both in the table and exempt"
