"""Projects through HTTP: create (201, Location, audit row), validation naming the field, a
deactivated course, the list each role sees, one project's reads and PATCH (with If-Match)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import make_project
from tests.projects.project_helpers import Factory, audit_rows, problem, stored_project
from tests.roster.conftest import API, RosterWorld, bearer, build_worlds


@pytest.fixture
def worlds(session_factory: Factory) -> RosterWorld:
    return build_worlds(session_factory, "north", "south")


def _create(client: TestClient, worlds: RosterWorld, body: dict[str, Any], role: str = "teacher"):  # type: ignore[no-untyped-def]
    return client.post(
        f"{API}/courses/{worlds.north.course.id}/projects",
        json=body,
        headers=bearer(worlds.north, role),
    )


def test_create_answers_the_project_its_location_and_an_audit_row(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    response = _create(
        client,
        worlds,
        {
            "title": "  Bridge building ",
            "description": "Line one\nline two\t.",
            "start_date": "2026-02-02",
            "end_date": "2026-03-27",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "id": body["id"],
        "course_id": worlds.north.course.id,
        "title": "Bridge building",
        "description": "Line one\nline two\t.",
        "start_date": "2026-02-02",
        "end_date": "2026-03-27",
        "status": "draft",
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert response.headers["Location"] == f"http://testserver{API}/projects/{body['id']}"
    read = client.get(response.headers["Location"], headers=bearer(worlds.north, "admin"))
    assert read.json() == body
    assert read.headers["ETag"] == response.headers["ETag"]
    assert audit_rows(session_factory, body["id"]) == [
        {
            "action": "project.create",
            "actor_id": worlds.north.teacher.id,
            "actor_label": f"user:{worlds.north.teacher.id}",
            "school_id": worlds.north.school.id,
            "changes": {
                "course_id": worlds.north.course.id,
                "title": "Bridge building",
                "description": "Line one\nline two\t.",
                "start_date": "2026-02-02",
                "end_date": "2026-03-27",
                "status": "draft",
            },
        }
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "Tab\there"}, "title"),
        ({"title": "Ok", "description": "d" * 5001}, "description"),
        ({"title": "Ok", "description": "bell\x07"}, "description"),
        ({"title": "Ok", "start_date": "2026-13-01"}, "start_date"),
        ({"title": "Ok", "end_date": "soon"}, "end_date"),
        ({"title": "Ok", "start_date": "2026-03-02", "end_date": "2026-03-01"}, "end_date"),
        ({"title": "Ok", "status": "active"}, "status"),
    ],
)
def test_invalid_create_bodies_name_the_field_and_write_nothing(
    client: TestClient,
    worlds: RosterWorld,
    session_factory: Factory,
    body: dict[str, Any],
    field: str,
) -> None:
    response = _create(client, worlds, body)
    assert response.status_code == 422, response.text
    problem_body = response.json()
    assert problem_body["type"] == "/problems/validation-error"
    assert [error["field"].rsplit(".", 1)[-1] for error in problem_body["errors"]] == [field]
    listed = client.get(
        f"{API}/courses/{worlds.north.course.id}/projects", headers=bearer(worlds.north, "admin")
    )
    assert [project["id"] for project in listed.json()["items"]] == [worlds.north_project.id]


def test_a_deactivated_course_takes_no_new_projects(
    client: TestClient, worlds: RosterWorld
) -> None:
    admin = bearer(worlds.north, "admin")
    course_id = worlds.north.course.id
    assert client.post(f"{API}/courses/{course_id}/deactivate", headers=admin).status_code == 200
    response = _create(client, worlds, {"title": "Too late"}, role="admin")
    assert response.json() == problem(
        409,
        "conflict",
        "Conflict",
        "Course 'OO-4A' is deactivated; activate it to add projects.",
        f"{API}/courses/{course_id}/projects",
    )


def _titles(client: TestClient, worlds: RosterWorld, role: str, query: str = "") -> list[str]:
    response = client.get(
        f"{API}/courses/{worlds.north.course.id}/projects{query}",
        headers=bearer(worlds.north, role),
    )
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == len(page["items"])
    return [project["title"] for project in page["items"]]


@pytest.fixture
def four_projects(worlds: RosterWorld, session_factory: Factory) -> dict[str, int]:
    """One project per status besides the world's active ``Projectweek`` (no dates)."""
    from datetime import date

    ids = {}
    with session_factory.begin() as session:
        for index, status in enumerate(("archived", "completed", "active", "draft")):
            project = make_project(session, worlds.north.course, f"P-{status}", status=status)
            project.start_date = date(2026, 1, 10 - index)
            ids[status] = project.id
    return ids


def test_each_role_sees_its_projects_in_date_order(
    client: TestClient, worlds: RosterWorld, four_projects: dict[str, int]
) -> None:
    every = ["P-draft", "P-active", "P-completed", "P-archived", "Projectweek"]
    assert _titles(client, worlds, "admin") == every
    assert _titles(client, worlds, "teacher") == every
    # A student sees only active and completed projects; drafts and archived ones are absent.
    assert _titles(client, worlds, "student") == ["P-active", "P-completed", "Projectweek"]
    assert _titles(client, worlds, "teacher", "?status=draft") == ["P-draft"]
    assert _titles(client, worlds, "student", "?status=draft") == []
    assert _titles(client, worlds, "student", "?status=completed") == ["P-completed"]
    bad = client.get(
        f"{API}/courses/{worlds.north.course.id}/projects?status=finished",
        headers=bearer(worlds.north, "admin"),
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.status"


def test_a_student_may_not_read_a_draft_or_archived_project(
    client: TestClient, worlds: RosterWorld, four_projects: dict[str, int]
) -> None:
    student = bearer(worlds.north, "student")
    for status, project_id in four_projects.items():
        response = client.get(f"{API}/projects/{project_id}", headers=student)
        expected = 200 if status in ("active", "completed") else 403
        assert response.status_code == expected, (status, response.text)
    # Students are read-only even on a project they see.
    refused = client.patch(
        f"{API}/projects/{four_projects['active']}", json={"title": "Mine"}, headers=student
    )
    assert refused.status_code == 403


def test_a_student_not_enrolled_sees_no_project_and_another_school_is_404(
    client: TestClient, worlds: RosterWorld
) -> None:
    other_student = bearer(worlds.north, "other_student")
    assert (
        client.get(f"{API}/projects/{worlds.north_project.id}", headers=other_student).status_code
        == 403
    )
    admin = bearer(worlds.north, "admin")
    foreign = client.get(f"{API}/projects/{worlds.south_project.id}", headers=admin)
    assert foreign.json() == problem(
        404,
        "not-found",
        "Not found",
        f"Project {worlds.south_project.id} does not exist.",
        f"{API}/projects/{worlds.south_project.id}",
    )
    assert client.get(f"{API}/projects/2147483648", headers=admin).status_code == 404


def test_patch_changes_only_what_is_sent_and_audits_old_and_new(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    headers = bearer(worlds.north, "teacher")
    path = f"{API}/projects/{worlds.north_project.id}"
    before = client.get(path, headers=headers).json()
    response = client.patch(
        path,
        json={"title": " Renamed ", "start_date": "2026-04-01", "description": None},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        **before,
        "title": "Renamed",
        "start_date": "2026-04-01",
        "updated_at": response.json()["updated_at"],
    }
    # Sending the same values again changes nothing and writes no second audit row.
    again = client.patch(path, json={"title": "Renamed", "description": None}, headers=headers)
    assert again.json() == response.json()
    assert audit_rows(session_factory, worlds.north_project.id) == [
        {
            "action": "project.update",
            "actor_id": worlds.north.teacher.id,
            "actor_label": f"user:{worlds.north.teacher.id}",
            "school_id": worlds.north.school.id,
            "changes": {"title": ["Projectweek", "Renamed"], "start_date": [None, "2026-04-01"]},
        }
    ]


def test_patch_with_a_field_and_a_status_writes_both_audit_rows(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    path = f"{API}/projects/{worlds.north_project.id}"
    response = client.patch(
        path,
        json={"status": "completed", "end_date": "2026-06-30"},
        headers=bearer(worlds.north, "admin"),
    )
    assert (response.status_code, response.json()["status"]) == (200, "completed")
    assert [
        (row["action"], row["changes"])
        for row in audit_rows(session_factory, worlds.north_project.id)
    ] == [
        ("project.update", {"end_date": [None, "2026-06-30"]}),
        ("project.status", {"from": "active", "to": "completed"}),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": None}, "title"),
        ({"status": None}, "status"),
        ({"title": "  "}, "title"),
        ({"status": "finished"}, "status"),
        ({"end_date": "2025-01-01", "start_date": "2025-02-01"}, "end_date"),
        ({"course_id": 5}, "course_id"),
    ],
)
def test_invalid_patches_name_the_field_and_change_nothing(
    client: TestClient,
    worlds: RosterWorld,
    session_factory: Factory,
    body: dict[str, Any],
    field: str,
) -> None:
    before = stored_project(session_factory, worlds.north_project.id)
    response = client.patch(
        f"{API}/projects/{worlds.north_project.id}",
        json=body,
        headers=bearer(worlds.north, "admin"),
    )
    assert response.status_code == 422, response.text
    assert [error["field"].rsplit(".", 1)[-1] for error in response.json()["errors"]] == [field]
    assert stored_project(session_factory, worlds.north_project.id) == before


def test_an_end_date_before_the_stored_start_is_refused(
    client: TestClient, worlds: RosterWorld
) -> None:
    path = f"{API}/projects/{worlds.north_project.id}"
    headers = bearer(worlds.north, "admin")
    assert client.patch(path, json={"start_date": "2026-05-01"}, headers=headers).status_code == 200
    response = client.patch(path, json={"end_date": "2026-04-30"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "end_date", "message": "before start_date"}]


def test_if_match_protects_a_read_modify_write(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    headers = bearer(worlds.north, "teacher")
    path = f"{API}/projects/{worlds.north_project.id}"
    read = client.get(path, headers=headers)
    etag = read.headers["ETag"]
    first = client.patch(path, json={"title": "First"}, headers={**headers, "If-Match": etag})
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] != etag
    stale = client.patch(path, json={"title": "Second"}, headers={**headers, "If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["etag"] == first.headers["ETag"]
    assert stored_project(session_factory, worlds.north_project.id)["title"] == "First"
    fresh = client.patch(
        path, json={"title": "Second"}, headers={**headers, "If-Match": first.headers["ETag"]}
    )
    assert fresh.json()["title"] == "Second"


def test_projects_are_archived_never_deleted(client: TestClient, worlds: RosterWorld) -> None:
    response = client.delete(
        f"{API}/projects/{worlds.north_project.id}", headers=bearer(worlds.north, "admin")
    )
    assert response.status_code == 405
