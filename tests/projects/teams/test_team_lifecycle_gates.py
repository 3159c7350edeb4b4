"""Team writes are for draft and active projects: a completed project answers 409 ("reopen the
project"), an archived one 409 ("read-only"), on every team write route; reads still work."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import Project
from tests.projects.teams.team_helpers import member_rows, team_rows, teams_url
from tests.roster.conftest import RosterWorld, bearer

Factory = sessionmaker[Session]


def _writes(worlds: RosterWorld) -> list[tuple[str, str, Any]]:
    url = teams_url(worlds.north_project.id)
    team = f"{url}/{worlds.north_team.id}"
    student = worlds.north.student.id
    return [
        ("POST", url, {"team_number": 2, "member_ids": []}),
        ("PUT", url, {"teams": [{"team_number": 1, "member_ids": [student]}]}),
        ("PUT", f"{team}/members", {"member_ids": []}),
        ("PATCH", team, {"name": "Renamed"}),
        ("POST", f"{team}/lock", None),
        ("DELETE", team, None),
    ]


@pytest.mark.parametrize(
    ("status", "words"),
    [("completed", "reopen the project"), ("archived", "archived projects are read-only")],
)
def test_every_team_write_is_a_409_outside_draft_and_active(
    client: TestClient, worlds: RosterWorld, session_factory: Factory, status: str, words: str
) -> None:
    project = worlds.north_project
    with session_factory.begin() as session:
        session.execute(update(Project).where(Project.id == project.id).values(status=status))
    before = (team_rows(session_factory, project.id), member_rows(session_factory, project.id))
    teacher = bearer(worlds.north, "teacher")
    for method, url, body in _writes(worlds):
        response = client.request(method, url, json=body, headers=teacher)
        assert response.status_code == 409, (method, url, response.text)
        assert words in response.json()["detail"]
    assert (
        team_rows(session_factory, project.id),
        member_rows(session_factory, project.id),
    ) == before
    listed = client.get(teams_url(project.id), headers=teacher)
    assert [team["id"] for team in listed.json()["items"]] == [worlds.north_team.id]
    assert client.get(f"{teams_url(project.id)}/history", headers=teacher).status_code == 200


def test_a_draft_project_takes_team_writes(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    with session_factory.begin() as session:
        session.execute(
            update(Project).where(Project.id == worlds.north_project.id).values(status="draft")
        )
    response = client.post(
        teams_url(worlds.north_project.id), json={}, headers=bearer(worlds.north, "teacher")
    )
    assert response.status_code == 201, response.text


def test_students_get_403_on_team_routes(client: TestClient, worlds: RosterWorld) -> None:
    student = bearer(worlds.north, "student")
    for method, url, body in _writes(worlds):
        assert client.request(method, url, json=body, headers=student).status_code == 403
    for path in ("", "/history", f"/{worlds.north_team.id}"):
        url = teams_url(worlds.north_project.id) + path
        assert client.get(url, headers=student).status_code == 403
