"""Issue 8, an honest OpenAPI: creates answer 201 with a ``Location`` that GETs the new
resource; a student's GET and PATCH carry a strong ``ETag``, and a stale ``If-Match`` is 412."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.roster.conftest import API, Headers, RosterWorld

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
        ("GET", STUDENTS + "/{student_id}", "200", "ETag"),
        ("PATCH", STUDENTS + "/{student_id}", "200", "ETag"),
    }
    patch = paths[STUDENTS + "/{student_id}"]["patch"]
    assert "412" in patch["responses"]
    assert any(p["name"].lower() == "if-match" for p in patch["parameters"])
