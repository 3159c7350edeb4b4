"""Every roster route x every role, and every route with another school's ids (DESIGN.md 1, 4)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.roster.conftest import RosterWorld, bearer
from tests.roster.routes_table import ROLES, ROUTES, Route, call

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
