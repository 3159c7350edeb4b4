"""The OpenAPI document declares the problem responses the server really sends (issue 7)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, File, UploadFile
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.config import Settings
from teameval.deps import AdminDep, PrincipalDep
from teameval.openapi import install_openapi
from teameval.problems import PROBLEM_JSON
from teameval.roster.csv.importer import import_students
from teameval.roster.csv.schemas import ImportReportOut
from teameval.roster.legacy.api import legacy_groups_on
from tests.conftest import login
from tests.factories import SchoolWorld
from tests.roster.import_helpers import admin_actor, csv_bytes, post_import

PROBLEM_CONTENT = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def _problem_statuses(operation: dict[str, Any]) -> set[int]:
    return {int(code) for code in operation["responses"] if code[0] in "45"}


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_every_problem_response_is_problem_json_and_fastapis_422_is_gone(
    document: dict[str, Any],
) -> None:
    operations = _operations(document)
    assert len(operations) >= 25
    wrong = {
        (name, code): response.get("content")
        for name, operation in operations.items()
        for code, response in operation["responses"].items()
        if code[0] in "45" and response.get("content") != PROBLEM_CONTENT
    }
    assert wrong == {}
    assert "HTTPValidationError" not in json.dumps(document)
    assert "ValidationError" not in document["components"]["schemas"]
    missing = {name for name, op in operations.items() if not {422, 503} <= _problem_statuses(op)}
    assert missing == set()


def test_problem_schema_has_the_rfc_9457_members_and_open_extensions(
    document: dict[str, Any],
) -> None:
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(problem["properties"])
    assert problem["additionalProperties"] is True


def test_statuses_follow_what_each_route_does(document: dict[str, Any]) -> None:
    statuses = {name: _problem_statuses(op) for name, op in _operations(document).items()}
    assert statuses["GET /api/v1/health"] == {422, 503}
    assert statuses["POST /api/v1/auth/login"] == {400, 401, 422, 429, 503}
    assert statuses["GET /api/v1/auth/me"] == {401, 422, 503}
    assert statuses["GET /api/v1/courses"] == {401, 422, 503}
    assert statuses["POST /api/v1/courses"] == {400, 401, 403, 409, 422, 503}
    assert statuses["GET /api/v1/admin/students/{student_id}"] == {401, 403, 404, 422, 503}
    assert statuses["POST /api/v1/admin/students/import"] == {400, 401, 403, 409, 413, 422, 503}
    leave_group = "DELETE /api/v1/courses/{course_id}/groups/{group_id}/members/{student_id}"
    assert statuses[leave_group] == {401, 403, 404, 409, 410, 422, 503}
    login = document["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert "Retry-After" in login["429"]["headers"]


def test_a_new_route_is_described_from_its_dependencies_alone() -> None:
    """No list to keep: the statuses come from the dependencies, path ids and body of a route."""
    router = APIRouter()

    @router.get("/things/{thing_id}")
    def read_thing(thing_id: int, principal: PrincipalDep) -> None: ...

    @router.post("/things", dependencies=[Depends(legacy_groups_on)])
    def upload(admin: AdminDep, file: Annotated[UploadFile, File()]) -> None: ...

    @router.get("/open", responses={418: {"description": "Short and stout."}})
    def open_route() -> None: ...

    app = FastAPI()
    app.include_router(router)
    install_openapi(app)
    operations = _operations(app.openapi())
    assert _problem_statuses(operations["GET /things/{thing_id}"]) == {401, 404, 422, 503}
    assert _problem_statuses(operations["POST /things"]) == {400, 401, 403, 409, 410, 413, 422, 503}
    open_responses = operations["GET /open"]["responses"]
    assert _problem_statuses(operations["GET /open"]) == {418, 422, 503}
    assert open_responses["418"] == {"description": "Short and stout.", "content": PROBLEM_CONTENT}


def test_import_response_model_keeps_the_whole_report(
    client: TestClient,
    settings: Settings,
    two_schools: tuple[SchoolWorld, SchoolWorld],
    session_factory: sessionmaker[Session],
) -> None:
    """The typed 200 body is exactly ``ImportReport.to_dict()``: the model drops nothing."""
    north = two_schools[0]
    data = csv_bytes(
        [
            ["email", "name", "courses", "shoe size"],
            ["new@north.nl", "New Student", "OO-4A", "44"],
            [north.student.email, "Renamed Student", "", ""],
            ["not-an-email", "Bad Row", "", ""],
        ]
    )
    response = post_import(client, login(client, "north", north.admin.email), data)
    assert response.status_code == 200, response.text
    with session_factory() as session:
        report = import_students(session, admin_actor(north), data, settings)
    expected = report.to_dict()
    assert response.json() == expected
    assert ImportReportOut.model_validate(expected).model_dump(by_alias=True) == expected
    created, updated = expected["rows"][0]["changes"], expected["rows"][1]["changes"]
    assert created["courses"] == {"added": ["OO-4A"], "removed": []}  # typed as a SetChange
    assert updated["name"] == {"from": north.student.name, "to": "Renamed Student"}
    assert {row["action"] for row in expected["rows"]} == {"create", "update", "error"}
