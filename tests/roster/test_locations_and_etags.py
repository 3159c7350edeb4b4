"""Issue 8, an honest OpenAPI: creates answer 201 with a ``Location`` that GETs the new
resource; a student's GET and PATCH carry a strong ``ETag``, and a stale ``If-Match`` is 412."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.legacy_modes import legacy_groups_off
from tests.roster.conftest import API, Headers, RosterWorld, bearer
from tests.roster.routes_table import ROUTES, call

STUDENTS = f"{API}/admin/students"


def test_creates_point_at_the_new_resource(client: TestClient, admin: Headers) -> None:
    for collection, body in (
        (f"{API}/courses", {"code": "NEW-1", "name": "New"}),
        (STUDENTS, {"email": "new@north.example.org", "name": "New Student"}),
    ):
        created = client.post(collection, json=body, headers=admin)
        assert created.status_code == 201, created.text
        location = created.headers["Location"]
        assert location.endswith(f"{collection}/{created.json()['id']}")
        fetched = client.get(location, headers=admin)
        assert fetched.status_code == 200
        assert fetched.json() == created.json()


def test_every_create_the_document_says_sends_location_does(
    shared_client: TestClient, shared_worlds: RosterWorld
) -> None:
    """Every 201 the OpenAPI document gives a ``Location`` sends one, and it GETs what the
    create answered (every create route of the app, from the role-matrix table)."""
    paths = shared_client.get("/openapi.json").json()["paths"]
    declared = {
        path
        for path, operations in paths.items()
        if "Location"
        in operations.get("post", {}).get("responses", {}).get("201", {}).get("headers", {})
    }
    admin = bearer(shared_worlds.north, "admin")
    checked = []
    for route in ROUTES:
        if route.method != "POST" or route.ok != 201 or (route.legacy and legacy_groups_off()):
            continue
        created = call(shared_client, shared_worlds, "POST", route.path, route.body, admin)
        assert created.status_code == 201, (route.name, created.text)
        template = API + route.path.replace("{N.course.id}", "{course_id}")
        if not any(_same_path(template, path) for path in declared):
            assert "Location" not in created.headers, route.name
            continue
        fetched = shared_client.get(created.headers["Location"], headers=admin)
        assert fetched.status_code == 200, route.name
        assert fetched.json()["id"] == created.json()["id"], route.name
        checked.append(route.name)
    assert len(checked) >= 7, checked


def _same_path(filled_template: str, declared: str) -> bool:
    """Whether a route-table path (``/projects/{NP.id}/teams``) is the document's path
    (``/projects/{project_id}/teams``): the same segments, any placeholder for a parameter."""
    ours, theirs = filled_template.split("/"), declared.split("/")
    return len(ours) == len(theirs) and all(
        a == b or (a.startswith("{") and b.startswith("{"))
        for a, b in zip(ours, theirs, strict=True)
    )


def _student(worlds: RosterWorld) -> str:
    return f"{STUDENTS}/{worlds.north.student.id}"


def test_get_and_patch_carry_an_etag_that_changes_with_the_student(
    client: TestClient, admin: Headers, worlds: RosterWorld
) -> None:
    url = _student(worlds)
    first = client.get(url, headers=admin)
    again = client.get(url, headers=admin)
    etag = first.headers["ETag"]
    assert etag.startswith('"')
    assert not etag.startswith("W/")  # strong
    assert again.headers["ETag"] == etag  # same representation, same tag
    changed = client.patch(url, json={"class_name": "5B"}, headers={**admin, "If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] != etag
    assert client.get(url, headers=admin).headers["ETag"] == changed.headers["ETag"]


def test_a_stale_if_match_is_412_and_changes_nothing(
    client: TestClient, admin: Headers, worlds: RosterWorld
) -> None:
    url = _student(worlds)
    stale = client.get(url, headers=admin).headers["ETag"]
    assert client.patch(url, json={"class_name": "5B"}, headers=admin).status_code == 200
    before: dict[str, Any] = client.get(url, headers=admin).json()
    refused = client.patch(url, json={"class_name": "6C"}, headers={**admin, "If-Match": stale})
    assert refused.status_code == 412
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"] == "/problems/precondition-failed"
    assert problem["etag"] == client.get(url, headers=admin).headers["ETag"]
    assert client.get(url, headers=admin).json() == before
    weak = client.patch(
        url, json={"class_name": "6C"}, headers={**admin, "If-Match": f"W/{problem['etag']}"}
    )
    assert weak.status_code == 412  # If-Match compares strongly


def test_without_if_match_a_patch_is_allowed(
    client: TestClient, admin: Headers, worlds: RosterWorld
) -> None:
    response = client.patch(_student(worlds), json={"class_name": "7D"}, headers=admin)
    assert response.status_code == 200
    assert response.json()["class_name"] == "7D"


def test_the_openapi_document_declares_these_headers(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    declared = {
        (method.upper(), path, status, header)
        for path, operations in paths.items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        for header in response.get("headers", {})
        if header in {"Location", "ETag"}
    }
    assert declared == {
        ("POST", f"{API}/courses", "201", "Location"),
        ("POST", STUDENTS, "201", "Location"),
        ("POST", f"{API}/courses/{{course_id}}/projects", "201", "Location"),
        ("POST", f"{API}/projects/{{project_id}}/teams", "201", "Location"),
        ("POST", f"{API}/projects/{{project_id}}/assessments", "201", "Location"),
        ("POST", f"{API}/rubrics", "201", "Location"),
        ("POST", f"{API}/rubrics/{{rubric_id}}/copy", "201", "Location"),
        ("GET", STUDENTS + "/{student_id}", "200", "ETag"),
        ("PATCH", STUDENTS + "/{student_id}", "200", "ETag"),
        ("GET", f"{API}/projects/{{project_id}}", "200", "ETag"),
        ("PATCH", f"{API}/projects/{{project_id}}", "200", "ETag"),
        ("GET", f"{API}/rubrics/{{rubric_id}}", "200", "ETag"),
        ("PATCH", f"{API}/rubrics/{{rubric_id}}", "200", "ETag"),
        ("GET", f"{API}/assessments/{{assessment_id}}", "200", "ETag"),
        ("PATCH", f"{API}/assessments/{{assessment_id}}", "200", "ETag"),
        ("GET", f"{API}/assessments/{{assessment_id}}/teams/{{team_id}}/scores", "200", "ETag"),
        ("PUT", f"{API}/assessments/{{assessment_id}}/teams/{{team_id}}/scores", "200", "ETag"),
        ("POST", f"{API}/projects/{{project_id}}/peer-evaluations", "201", "Location"),
        ("GET", f"{API}/peer-evaluations/{{evaluation_id}}", "200", "ETag"),
        ("PATCH", f"{API}/peer-evaluations/{{evaluation_id}}", "200", "ETag"),
    }
    patch = paths[STUDENTS + "/{student_id}"]["patch"]
    assert "412" in patch["responses"]
    assert any(p["name"].lower() == "if-match" for p in patch["parameters"])
