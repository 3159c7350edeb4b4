"""A project's status machine through PATCH {status}: every pair of statuses, the archived
project's read-only rule, and the audit rows (docs/projects.md)."""

from __future__ import annotations

from itertools import product

import pytest
from fastapi.testclient import TestClient

from teameval.models import ProjectStatus
from tests.factories import make_project
from tests.projects.project_helpers import Factory, audit_rows, problem, stored_project
from tests.roster.conftest import API, RosterWorld, bearer, build_worlds

STATUSES = [status.value for status in ProjectStatus]
ALLOWED = {
    ("draft", "active"),
    ("draft", "archived"),
    ("active", "completed"),
    ("completed", "active"),
    ("completed", "archived"),
}
TARGETS = {
    "draft": ["active", "archived"],
    "active": ["completed"],
    "completed": ["active", "archived"],
    "archived": [],
}


@pytest.fixture
def worlds(session_factory: Factory) -> RosterWorld:
    return build_worlds(session_factory, "north", "south")


def _project_in(factory: Factory, worlds: RosterWorld, status: str) -> int:
    with factory.begin() as session:
        return make_project(session, worlds.north.course, "Bridge", status=status).id


@pytest.mark.parametrize(("current", "target"), list(product(STATUSES, STATUSES)))
def test_every_transition(
    client: TestClient,
    worlds: RosterWorld,
    session_factory: Factory,
    current: str,
    target: str,
) -> None:
    project_id = _project_in(session_factory, worlds, current)
    before = stored_project(session_factory, project_id)
    path = f"/projects/{project_id}"
    response = client.patch(
        API + path, json={"status": target}, headers=bearer(worlds.north, "teacher")
    )
    if current == "archived":
        assert response.status_code == 409
        assert response.json() == problem(
            409,
            "conflict",
            "Conflict",
            f"Project {project_id} is archived; archived projects are read-only.",
            API + path,
            **{"from": "archived", "allowed": []},
        )
    elif current == target:
        assert response.status_code == 200, response.text
        assert response.json()["status"] == current
    elif (current, target) in ALLOWED:
        assert response.status_code == 200, response.text
        assert response.json()["status"] == target
    else:
        allowed = ", ".join(TARGETS[current])
        assert response.status_code == 409
        assert response.json() == problem(
            409,
            "conflict",
            "Conflict",
            f"Project {project_id} cannot go from {current} to {target}; "
            f"allowed from {current}: {allowed}.",
            API + path,
            **{"from": current, "to": target, "allowed": TARGETS[current]},
        )
    if (current, target) in ALLOWED:
        assert audit_rows(session_factory, project_id) == [
            {
                "action": "project.status",
                "actor_id": worlds.north.teacher.id,
                "actor_label": f"user:{worlds.north.teacher.id}",
                "school_id": worlds.north.school.id,
                "changes": {"from": current, "to": target},
            }
        ]
        assert stored_project(session_factory, project_id)["status"] == target
    else:
        # A refused change and a same-status no-op write nothing: no row change, no audit row.
        assert audit_rows(session_factory, project_id) == []
        assert stored_project(session_factory, project_id) == before


@pytest.mark.parametrize(
    "body",
    [
        {"title": "Renamed"},
        {"description": "More"},
        {"start_date": "2026-01-05"},
        {"status": "archived"},
        {},
    ],
)
def test_an_archived_project_is_read_only(
    client: TestClient, worlds: RosterWorld, session_factory: Factory, body: dict[str, str]
) -> None:
    project_id = _project_in(session_factory, worlds, "archived")
    before = stored_project(session_factory, project_id)
    response = client.patch(
        f"{API}/projects/{project_id}", json=body, headers=bearer(worlds.north, "admin")
    )
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"Project {project_id} is archived; archived projects are read-only."
    )
    assert stored_project(session_factory, project_id) == before
    assert audit_rows(session_factory, project_id) == []


def test_a_whole_life_reopened_once(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    headers = bearer(worlds.north, "teacher")
    created = client.post(
        f"{API}/courses/{worlds.north.course.id}/projects",
        json={"title": "Bridge"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    project_id = created.json()["id"]
    seen = [created.json()["status"]]
    for target in ("active", "completed", "active", "completed", "archived"):
        response = client.patch(
            f"{API}/projects/{project_id}", json={"status": target}, headers=headers
        )
        assert response.status_code == 200, response.text
        seen.append(response.json()["status"])
    assert seen == ["draft", "active", "completed", "active", "completed", "archived"]
    assert [row["changes"] for row in audit_rows(session_factory, project_id)[1:]] == [
        {"from": "draft", "to": "active"},
        {"from": "active", "to": "completed"},
        {"from": "completed", "to": "active"},
        {"from": "active", "to": "completed"},
        {"from": "completed", "to": "archived"},
    ]
