"""Bad input on every route is a clear 404 / 422, never a 500 (docs/api.md, "Bounds").

The cases are generated from the app's own route table (``create_app(...).routes``): every
path id, every JSON body field (from the body model's schema) and every query parameter of
every route. ``tests/roster/routes_table.py`` (and ``_OTHER_ROUTES`` below) only supply a valid
request to start from; a route the generator has no baseline for fails
``test_every_route_has_a_baseline``, so a new route is covered as soon as it exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from teameval.kit.inputs import MAX_DB_INT
from teameval.kit.pagination import MAX_PAGE
from tests.legacy_modes import legacy_groups_off
from tests.roster.conftest import API, Headers, RosterWorld, bearer, build_worlds
from tests.roster.routes_table import ROUTES, _fill

BAD_IDS = [0, -1, 2**31, 2**63, 10**30]
UNKNOWN_ID = MAX_DB_INT  # in range, and no test database has that many rows
BAD_INTS = [2**31, 10**30]
BAD_TEXT = ["ab\x00cd", "ab\x07cd"]
NOT_FOUND = "/problems/not-found"


@dataclass(frozen=True)
class Baseline:
    """A request to a route that succeeds for ``north``'s admin (routes_table templates)."""

    path: str
    body: dict[str, Any] | None = None
    signed_in: bool = True
    student: bool = False  # a student of the course may call it too


# Routes that tests/roster/routes_table.py does not list.
_OTHER_ROUTES: dict[tuple[str, str], Baseline] = {
    ("GET", "/health"): Baseline("/health", signed_in=False),
    ("POST", "/auth/login"): Baseline(
        "/auth/login",
        {"school": "{N.school.slug}", "email": "{N.admin.email}", "password": "x"},
        signed_in=False,
    ),
    ("POST", "/auth/dev-login"): Baseline(
        "/auth/dev-login", {"school": "{N.school.slug}", "email": "x@y.z"}, signed_in=False
    ),
    ("GET", "/auth/me"): Baseline("/auth/me", student=True),
    ("POST", "/admin/students/import"): Baseline("/admin/students/import"),
    ("GET", "/admin/students/export.csv"): Baseline("/admin/students/export.csv"),
    ("POST", "/rubrics/import"): Baseline("/rubrics/import"),
    # Multipart: the id checks send no file (the access check answers first).
    ("POST", "/projects/{project_id}/teams/import"): Baseline("/projects/{NP.id}/teams/import"),
    # A query parameter the table's paths cannot carry (routes_table EXEMPT).
    ("GET", "/peer-evaluations/{evaluation_id}/matrix"): Baseline(
        "/peer-evaluations/{NE.id}/matrix?team_id={NT.id}"
    ),
}


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _baselines() -> dict[tuple[str, str], Baseline]:
    known = {
        (route.method, _shape(route.path)): Baseline(
            route.path, route.body, student=route.allowed["student"]
        )
        for route in ROUTES
    }
    known.update({(method, _shape(path)): base for (method, path), base in _OTHER_ROUTES.items()})
    return known


def _api_routes(app: FastAPI) -> Iterator[tuple[str, Any]]:
    """(method, route) for every API route as mounted: its full ``path``, ``dependant`` (with
    the router's own dependencies) and ``body_field``. FastAPI keeps included routers nested,
    ``iter_route_contexts`` is its public way to walk them."""
    # With legacy groups off (TEAMEVAL_TEST_LEGACY) the legacy routes only answer 410.
    gone = {(r.method, _shape(r.path)) for r in ROUTES if r.legacy and legacy_groups_off()}
    for route in iter_route_contexts(app.routes):
        # The web UI's pages (outside /api/v1) have their own input tests in tests/web.
        if isinstance(route.original_route, APIRoute) and route.path.startswith(API):
            for method in sorted(set(route.methods or ()) - {"HEAD"}):
                if (method, _shape(route.path.removeprefix(API))) not in gone:
                    yield method, route


def _baseline(method: str, route: Any) -> Baseline:
    return _baselines()[(method, _shape(route.path.removeprefix(API)))]


@pytest.fixture
def worlds(session_factory: sessionmaker[Session]) -> RosterWorld:
    return build_worlds(session_factory, "north", "south", peer=True)


def _headers(worlds: RosterWorld, base: Baseline, role: str = "admin") -> Headers:
    return bearer(worlds.north, role) if base.signed_in else {}


def _problem(response: Any) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    body: dict[str, Any] = response.json()
    return body


def test_every_route_has_a_baseline(client: TestClient) -> None:
    known = _baselines()
    missing = [
        f"{method} {route.path}"
        for method, route in _api_routes(client.app)  # type: ignore[arg-type]
        if (method, _shape(route.path.removeprefix(API))) not in known
    ]
    assert missing == [], "add a valid request for these routes to the generator's baselines"


# --- path ids ----------------------------------------------------------------------------------


def _same_404(response: Any, reference: dict[str, Any]) -> str | None:
    if response.status_code != 404:
        return f"{response.status_code} {response.text[:200]}"
    body = _problem(response)
    ignore = ("detail", "instance")
    if {k: v for k, v in body.items() if k not in ignore} != {
        k: v for k, v in reference.items() if k not in ignore
    }:
        return f"not the unknown-id 404: {body} vs {reference}"
    return None


def test_path_ids_out_of_range_are_the_unknown_id_404(
    client: TestClient, worlds: RosterWorld
) -> None:
    failures: list[str] = []
    checked = 0
    for method, route in _api_routes(client.app):  # type: ignore[arg-type]
        # From the path: the ids are declared by typed access dependencies, not the route itself.
        params = re.findall(r"\{(\w+)\}", route.path)
        if not params:
            continue
        base = _baseline(method, route)
        good = API + _fill(base.path, worlds)
        body = _fill(base.body, worlds) if base.body is not None else None
        roles = ["admin", "student"] if base.student else ["admin"]
        segments = route.path.split("/")
        for param in params:
            index = segments.index("{" + param + "}")
            for role in roles:
                headers = bearer(worlds.north, role)

                def at(value: int, index: int = index, good: str = good) -> str:
                    parts = good.split("/")
                    parts[index] = str(value)
                    return "/".join(parts)

                unknown = client.request(method, at(UNKNOWN_ID), json=body, headers=headers)
                assert unknown.status_code == 404, (method, route.path, param, unknown.text)
                reference = _problem(unknown)
                for value in BAD_IDS:
                    response = client.request(method, at(value), json=body, headers=headers)
                    problem = _same_404(response, reference)
                    checked += 1
                    if problem:
                        failures.append(f"{method} {route.path} {param}={value} {role}: {problem}")
    assert failures == []
    assert checked >= 5 * 20  # every route with an id, not a silently empty loop


# --- JSON bodies -------------------------------------------------------------------------------


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return _resolve(defs[schema["$ref"].split("/")[-1]], defs)
    if "anyOf" in schema:
        (concrete,) = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return _resolve(concrete, defs)
    return schema


def _valid(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """A small valid value of ``schema`` (for list items and nested objects)."""
    schema = _resolve(schema, defs)
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _valid(props[name], defs) for name in schema.get("required", [])}
    if kind == "integer":
        return 1
    if kind == "string":
        return "X"
    raise AssertionError(f"no sample for {schema}")


def _parsed(schema: dict[str, Any]) -> bool:
    """A string that is not text: a date-time, or a decimal written as a string (the peer
    evaluation's weighting, penalty and thresholds, examples like "0.5"), bounded by parsing it
    (anything else is a 422), so it needs no length cap."""
    if schema.get("format") == "date-time":
        return True
    examples = schema.get("examples") or []
    return bool(examples) and all(re.fullmatch(r"-?\d+(\.\d+)?", str(e)) for e in examples)


@dataclass(frozen=True)
class BodyCase:
    field: str  # the name the 422 must give, as problems.py renders it
    value: Any  # the value of the top-level field that carries the bad input
    top: str


def _cases(
    schema: dict[str, Any], defs: dict[str, Any], path: str, top: str, wrap: Any
) -> Iterator[BodyCase]:
    """Every bad value for the field at ``path``; ``wrap`` puts a value where the field is."""
    schema = _resolve(schema, defs)
    kind = schema.get("type")
    if kind == "string" and "enum" not in schema:
        assert "maxLength" in schema or _parsed(schema), f"{path}: text without a length cap"
        for text in BAD_TEXT:
            yield BodyCase(path, wrap(text), top)
    elif kind == "integer":
        for number in BAD_INTS:
            yield BodyCase(path, wrap(number), top)
    elif kind == "array":
        assert "maxItems" in schema, f"{path}: a list without a documented cap"
        item = _valid(schema["items"], defs)
        yield BodyCase(path, wrap([item] * (schema["maxItems"] + 1)), top)
        yield from _cases(schema["items"], defs, f"{path}.0", top, lambda v: wrap([v]))
    elif kind == "object":
        sample = _valid(schema, defs)
        for name, prop in schema.get("properties", {}).items():
            yield from _cases(
                prop, defs, f"{path}.{name}", top, lambda v, n=name: wrap({**sample, n: v})
            )


def _body_cases(model: type[BaseModel]) -> Iterator[BodyCase]:
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    for name, prop in schema["properties"].items():
        yield from _cases(prop, defs, name, name, lambda v: v)


def test_body_fields_out_of_range_or_with_control_characters_are_422_naming_them(
    client: TestClient, worlds: RosterWorld
) -> None:
    failures: list[str] = []
    checked = 0
    for method, route in _api_routes(client.app):  # type: ignore[arg-type]
        if route.body_field is None:
            continue
        model = route.body_field.field_info.annotation
        assert isinstance(model, type), route.path
        assert issubclass(model, BaseModel), route.path
        base = _baseline(method, route)
        url = API + _fill(base.path, worlds)
        for case in _body_cases(model):
            body = {**(_fill(base.body, worlds) or {}), case.top: case.value}
            response = client.request(method, url, json=body, headers=_headers(worlds, base))
            checked += 1
            fields = (
                [e["field"] for e in response.json().get("errors", [])]
                if response.status_code == 422
                else []
            )
            if case.field not in fields:
                failures.append(
                    f"{method} {route.path} {case.field}={str(case.value)[:60]!r}: "
                    f"{response.status_code} {response.text[:200]}"
                )
    assert failures == []
    assert checked >= 50


# --- query parameters --------------------------------------------------------------------------


def _query_params(route: Any) -> Iterator[tuple[str, Any]]:
    def walk(dependant: Any) -> Iterator[Any]:
        yield from dependant.query_params
        for sub in dependant.dependencies:
            yield from walk(sub)

    seen = set()
    for field in walk(route.dependant):
        if field.alias not in seen:
            seen.add(field.alias)
            yield field.alias, field.field_info.annotation


def test_query_parameters_with_control_characters_or_out_of_range_are_422(
    client: TestClient, worlds: RosterWorld
) -> None:
    failures: list[str] = []
    checked = 0
    for method, route in _api_routes(client.app):  # type: ignore[arg-type]
        base = _baseline(method, route)
        url = API + _fill(base.path, worlds)
        body = _fill(base.body, worlds) if base.body is not None else None
        for name, annotation in _query_params(route):
            if annotation in (bool, bool | None):
                continue
            bad = BAD_INTS if annotation in (int, int | None) else BAD_TEXT
            for value in bad:
                response = client.request(
                    method, url, params={name: value}, json=body, headers=_headers(worlds, base)
                )
                checked += 1
                if name.endswith("_id") and annotation is int:
                    # An id in the query (the peer matrix's team_id) is like one in the path:
                    # out of range is the 404 of an id that does not exist, never a 500.
                    if response.status_code != 404 or _problem(response)["type"] != NOT_FOUND:
                        failures.append(f"{method} {route.path} ?{name}={value!r}: {response.text}")
                    continue
                fields = [e["field"] for e in response.json().get("errors", [])]
                if response.status_code != 422 or f"query.{name}" not in fields:
                    failures.append(f"{method} {route.path} ?{name}={value!r}: {response.text}")
    assert failures == []
    assert checked >= 20


def test_paging_far_past_the_end_is_an_empty_page_and_further_a_422(
    client: TestClient, worlds: RosterWorld
) -> None:
    paged = [
        (method, route)
        for method, route in _api_routes(client.app)  # type: ignore[arg-type]
        if "page" in dict(_query_params(route))
    ]
    assert len(paged) >= 3
    for method, route in paged:
        base = _baseline(method, route)
        url = API + _fill(base.path, worlds)
        headers = _headers(worlds, base)
        first = client.request(method, url, headers=headers).json()
        last = client.request(
            method, url, params={"page": MAX_PAGE, "page_size": 500}, headers=headers
        )
        assert last.status_code == 200, (route.path, last.text)
        assert last.json() == {
            "items": [],
            "total": first["total"],
            "page": MAX_PAGE,
            "page_size": 500,
        }
        for page in (MAX_PAGE + 1, 10**12):
            response = client.request(method, url, params={"page": page}, headers=headers)
            assert response.status_code == 422, (route.path, response.text)
            assert [e["field"] for e in _problem(response)["errors"]] == ["query.page"]
