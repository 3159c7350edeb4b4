"""The OpenAPI document is a contract clients are generated from (issue 8): stable readable
operation ids, a summary and description for every operation and parameter, a typed body for
every success, and one paging shape for every collection."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from teameval.api import api_router
from teameval.kit.pagination import Page, PageDep
from teameval.openapi import install_openapi

IDS_FILE = Path(__file__).with_name("openapi_operation_ids.txt")
METHODS = {"get", "post", "put", "patch", "delete"}
LOWER_CAMEL = re.compile(r"^[a-z]+(?:[A-Z][a-z0-9]*)*$")
PAGE_PROPERTIES = {"items", "total", "page", "page_size"}
# GETs of one thing whose path does not end in an id.
SINGLETONS = {
    "/api/v1/health",
    "/api/v1/auth/me",
    "/api/v1/admin/students/export.csv",
    "/api/v1/grade-policy",
    "/api/v1/courses/{course_id}/grade-policy",
    "/api/v1/assessments/{assessment_id}/results",
    "/api/v1/assessments/{assessment_id}/grades.csv",
    # One team's sheet and self-assessments, and a student's own self-assessment.
    "/api/v1/assessments/{assessment_id}/teams/{team_id}/scores",
    "/api/v1/assessments/{assessment_id}/teams/{team_id}/self",
    "/api/v1/me/assessments/{assessment_id}/self",
    # A peer evaluation's reports, and a student's own feedback.
    "/api/v1/peer-evaluations/{evaluation_id}/progress",
    "/api/v1/peer-evaluations/{evaluation_id}/matrix",
    "/api/v1/peer-evaluations/{evaluation_id}/factors",
    "/api/v1/peer-evaluations/{evaluation_id}/preview",
    "/api/v1/peer-evaluations/{evaluation_id}/export.csv",
    "/api/v1/me/peer-evaluations/{evaluation_id}/feedback",
}


class Thing(BaseModel):
    id: int


def build_document(*routers: APIRouter) -> dict[str, Any]:
    app = FastAPI()
    for router in routers:
        app.include_router(router)
    install_openapi(app)
    return app.openapi()


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_document(api_router())


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def undescribed(document: dict[str, Any]) -> list[str]:
    """Operations without a one-sentence summary (FastAPI's default, the function's name in
    title case, is not one) or a description; parameters without a description."""
    found = []
    for (method, path), operation in operations(document).items():
        summary = operation.get("summary", "")
        if not summary.endswith(".") or ". " in summary:
            found.append(f"{method} {path}: summary {summary!r} is not one sentence")
        if not operation.get("description", "").strip():
            found.append(f"{method} {path}: no description")
        found += [
            f"{method} {path}: parameter {parameter['name']} has no description"
            for parameter in operation.get("parameters", [])
            if not parameter.get("description", "").strip()
        ]
    return found


def untyped_successes(document: dict[str, Any]) -> list[str]:
    """2xx responses with a body but no schema, or a JSON body that is not an object with
    properties (an array is a collection, which must be a page)."""
    found = []
    for (method, path), operation in operations(document).items():
        for code, response in operation["responses"].items():
            if not code.startswith("2") or code == "204":
                continue
            content = response.get("content", {})
            if not content:
                found.append(f"{method} {path} {code}: no content")
            for media_type, body in content.items():
                schema = resolve(document, body.get("schema", {}))
                if media_type == "application/json" and not schema.get("properties"):
                    found.append(f"{method} {path} {code}: {media_type} {schema}")
                elif not schema:
                    found.append(f"{method} {path} {code}: {media_type} without a schema")
    return found


def unpaged_collections(document: dict[str, Any]) -> list[str]:
    """GETs of a collection (a path not ending in an id) that do not answer a Page and take
    ``page``/``page_size``; and Pages that do not take them."""
    found = []
    for (method, path), operation in operations(document).items():
        if method != "GET":
            continue
        ok = operation["responses"].get("200", {}).get("content", {}).get("application/json")
        schema = resolve(document, ok["schema"]) if ok else {}
        is_page = set(schema.get("properties", {})) == PAGE_PROPERTIES
        collection = not path.endswith("}") and path not in SINGLETONS
        queries = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        if (collection or is_page) and not (is_page and {"page", "page_size"} <= queries):
            found.append(f"GET {path}")
    return found


def test_operation_ids_are_readable_unique_and_the_checked_in_ones(
    document: dict[str, Any],
) -> None:
    listed = sorted(
        tuple(line.split(" "))
        for line in IDS_FILE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    actual = sorted(
        (operation["operationId"], method, path)
        for (method, path), operation in operations(document).items()
    )
    ids = [operation_id for operation_id, _, _ in actual]
    assert len(ids) == len(set(ids))
    assert [i for i in ids if not LOWER_CAMEL.match(i)] == []
    # A renamed function, a moved path or a new route shows up here, not in a client.
    assert actual == listed


def test_every_operation_and_parameter_is_described(document: dict[str, Any]) -> None:
    assert undescribed(document) == []


def test_every_success_body_is_typed(document: dict[str, Any]) -> None:
    assert untyped_successes(document) == []
    export = document["paths"]["/api/v1/admin/students/export.csv"]["get"]["responses"]["200"]
    assert list(export["content"]) == ["text/csv"]
    report = resolve(
        document,
        document["paths"]["/api/v1/admin/students/import"]["post"]["responses"]["200"]["content"][
            "application/json"
        ]["schema"],
    )
    assert {"created", "rows", "errors"} <= set(report["properties"])


def test_every_collection_is_paged_the_same_way(document: dict[str, Any]) -> None:
    assert unpaged_collections(document) == []
    paged = {
        path
        for (method, path), operation in operations(document).items()
        if method == "GET" and path not in SINGLETONS and not path.endswith("}")
    }
    assert paged == {
        "/api/v1/admin/students",
        "/api/v1/courses",
        "/api/v1/me/courses",
        "/api/v1/courses/{course_id}/students",
        "/api/v1/courses/{course_id}/groups",
        "/api/v1/courses/{course_id}/projects",
        "/api/v1/me/projects",
        "/api/v1/projects/{project_id}/teams",
        "/api/v1/projects/{project_id}/teams/history",
        "/api/v1/rubrics",
        "/api/v1/me/assessments",
        "/api/v1/projects/{project_id}/assessments",
        "/api/v1/assessments/{assessment_id}/teams",
        "/api/v1/assessments/{assessment_id}/publications",
        "/api/v1/projects/{project_id}/peer-evaluations",
        "/api/v1/me/peer-evaluations",
    }


def test_the_checks_see_what_they_guard_against() -> None:
    """A route with a generated id, no description, an untyped body and a bare list fails
    every check; the same route done right passes them."""
    bad = APIRouter()

    @bad.get("/things")
    def things(thing_id: int) -> list[Thing]:
        return []

    @bad.get("/loose/{thing_id}")
    def loose(thing_id: int) -> dict[str, object]:
        return {}

    document = build_document(bad)
    assert "things_things_get" in {op["operationId"] for op in operations(document).values()}
    assert not LOWER_CAMEL.match("things_things_get")
    assert "GET /things: summary 'Things' is not one sentence" in undescribed(document)
    assert "GET /things: no description" in undescribed(document)
    assert any("thing_id has no description" in line for line in undescribed(document))
    assert untyped_successes(document) == [
        "GET /things 200: application/json " + str(resolve(document, _json(document, "/things"))),
        "GET /loose/{thing_id} 200: application/json "
        + str(resolve(document, _json(document, "/loose/{thing_id}"))),
    ]
    assert unpaged_collections(document) == ["GET /things"]

    good = APIRouter()

    @good.get("/things", operation_id="listThings", summary="List the things.")
    def list_things(page: PageDep) -> Page[Thing]:
        """A page of things."""
        return Page[Thing](items=[], total=0, page=page.page, page_size=page.page_size)

    fixed = build_document(good)
    assert undescribed(fixed) == untyped_successes(fixed) == unpaged_collections(fixed) == []


def _json(document: dict[str, Any], path: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["paths"][path]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    return schema


def test_the_served_document_is_the_one_checked_here(
    client: TestClient, document: dict[str, Any]
) -> None:
    """``create_app`` serves the document these tests read from the routers alone."""
    served = client.get("/openapi.json").json()
    assert served["paths"] == document["paths"]
    assert served["components"]["schemas"] == document["components"]["schemas"]
