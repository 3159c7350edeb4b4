"""Every legacy route answers with Deprecation, Sunset and Link headers whatever its status, and
is deprecated in the OpenAPI document; no other route or operation is (issue 14, phases 4-5).

The legacy routes are found from the app (every route depending on ``legacy_groups_on``), and
cross-checked against the route table's own ``legacy`` flags, so neither can drift alone."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from teameval.roster.legacy.watch.deprecation import SUCCESSORS
from teameval.roster.legacy.watch.routes import legacy_operations
from tests.roster.conftest import API, RosterWorld, app_client, bearer
from tests.roster.routes_table import ROUTES, Multipart, _fill

DEPRECATED_AT = datetime(2026, 9, 1, tzinfo=UTC)  # the settings' defaults
SUNSET = "Sun, 01 Aug 2027 00:00:00 GMT"
HEADERS = ("deprecation", "sunset", "link")


def _ids(worlds: RosterWorld) -> dict[str, int]:
    north = worlds.north
    return {
        "course_id": north.course.id,
        # Any id once the legacy tables are gone: the route answers 410 before reading it.
        "group_id": worlds.north_group.id if worlds.north_group else 1,
        "student_id": north.student.id,
        "project_id": worlds.north_project.id,
    }


def _expected(label: str, ids: dict[str, int], docs: str = "/legacy-api") -> dict[str, str]:
    successor = SUCCESSORS[label]
    for name, value in ids.items():
        successor = successor.replace("{" + name + "}", str(value))
    return {
        "deprecation": f"@{int(DEPRECATED_AT.timestamp())}",
        "sunset": SUNSET,
        "link": f'<{successor}>; rel="successor-version", <{docs}>; rel="deprecation"',
    }


def _shown(response: Any) -> dict[str, str]:
    return {name: response.headers[name] for name in HEADERS if name in response.headers}


def _call(client: TestClient, method: str, path: str, headers: dict[str, str], body: Any = None):  # type: ignore[no-untyped-def]
    if isinstance(body, Multipart):
        return client.request(method, path, headers=headers, files=body)
    return client.request(method, path, headers=headers, json=body)


def test_the_legacy_routes_are_the_route_tables_and_each_has_a_successor(
    client: TestClient,
) -> None:
    found = legacy_operations(client.app.routes)  # type: ignore[attr-defined]
    shape = re.compile(r"\{[^}]*\}")
    tabled = sorted(
        (route.method, shape.sub("{}", API + route.path)) for route in ROUTES if route.legacy
    )
    assert sorted((method, shape.sub("{}", path)) for method, path in found) == tabled
    assert sorted(f"{method} {path}" for method, path in found) == sorted(SUCCESSORS)
    assert len(found) == 6


@pytest.mark.legacy
def test_every_legacy_route_sends_the_three_headers_whatever_it_answers(
    client: TestClient, worlds: RosterWorld, backend: str
) -> None:
    ids = _ids(worlds)
    admin, student = bearer(worlds.north, "admin"), bearer(worlds.north, "student")
    seen: dict[str, set[int]] = {}
    for method, template in legacy_operations(client.app.routes):  # type: ignore[attr-defined]
        label = f"{method} {template}"
        path = template.format(**ids)
        for headers in ({}, student, admin):  # 401, 403, and the admin's answer (2xx or 422)
            response = client.request(method, path, headers=headers)
            assert _shown(response) == _expected(label, ids), (label, response.status_code)
            seen.setdefault(label, set()).add(response.status_code)
    # The route table's successful requests: 2xx with the headers too.
    for route in ROUTES:
        if route.legacy:
            label = f"{route.method} {API}{re.sub(r'{[^}]*}', '{}', route.path)}"
            response = _call(
                client,
                route.method,
                API + _fill(route.path, worlds),
                admin,
                _fill(route.body, worlds),
            )
            assert response.status_code == route.ok, response.text
            full = next(lab for lab in SUCCESSORS if re.sub(r"{[^}]*}", "{}", lab) == label)
            assert _shown(response) == _expected(full, ids)
            seen[full].add(response.status_code)
    assert all({401, 403} <= statuses for statuses in seen.values()), seen


def test_with_legacy_groups_off_the_410_carries_them_too(db_url: str, worlds: RosterWorld) -> None:
    ids = _ids(worlds)
    with app_client(db_url, legacy_groups="off") as off:
        for method, template in legacy_operations(off.app.routes):  # type: ignore[attr-defined]
            response = off.request(
                method, template.format(**ids), headers=bearer(worlds.north, "admin")
            )
            assert response.status_code == 410, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert _shown(response) == _expected(f"{method} {template}", ids)


@pytest.mark.legacy
def test_the_values_come_from_the_settings(db_url: str, worlds: RosterWorld) -> None:
    ids = _ids(worlds)
    with app_client(
        db_url,
        legacy_deprecated_at="2025-01-31T23:00:00+01:00",
        legacy_sunset_at="2026-03-01T12:30:00Z",
        legacy_deprecation_url="https://teameval.example/deprecation",
    ) as custom:
        path = f"{API}/courses/{ids['course_id']}/groups"
        response = custom.get(path, headers=bearer(worlds.north, "teacher"))
    assert response.status_code == 200
    assert _shown(response) == {
        "deprecation": f"@{int(datetime(2025, 1, 31, 22, 0, tzinfo=UTC).timestamp())}",
        "sunset": "Sun, 01 Mar 2026 12:30:00 GMT",
        "link": f'</api/v1/courses/{ids["course_id"]}/projects>; rel="successor-version", '
        '<https://teameval.example/deprecation>; rel="deprecation"',
    }
    assert response.headers["deprecation"] == "@1738360800"


def test_no_other_route_sends_them(client: TestClient, worlds: RosterWorld) -> None:
    admin = bearer(worlds.north, "admin")
    checked = 0
    for route in ROUTES:
        if route.legacy:
            continue
        path = API + _fill(route.path, worlds)
        answers = [client.request(route.method, path)]  # 401: no side effects
        if route.method == "GET":
            answers.append(client.get(path, headers=admin))
        for response in answers:
            assert _shown(response) == {}, (route.name, response.status_code)
            checked += 1
    assert checked > 100
    for page in ("/", "/sign-in", "/legacy-api", "/api/v1/health"):
        assert _shown(client.get(page)) == {}


def test_openapi_marks_exactly_the_legacy_operations_deprecated(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    deprecated = sorted(
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and operation.get("deprecated")
    )
    assert deprecated == legacy_operations(client.app.routes)  # type: ignore[attr-defined]
    for method, path in deprecated:
        responses = document["paths"][path][method.lower()]["responses"]
        for status, response in responses.items():
            assert {"Deprecation", "Sunset", "Link"} <= set(response.get("headers", {})), status


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_deprecation_page_the_link_names_is_served_to_anyone(
    client: TestClient, language: str
) -> None:
    from tests.web.html_checks import page_problems

    response = client.get("/legacy-api", headers={"Accept-Language": language})
    assert response.status_code == 200
    assert page_problems(response.text) == []
    heading = {
        "en": "The legacy team API is deprecated",
        "nl": "De API voor oude teams is verouderd",
    }
    assert heading[language] in response.text
    for label, successor in SUCCESSORS.items():
        assert f"<code>{label}</code></td><td><code>{successor}</code>" in response.text
