"""The layout PUT and the team list use a constant number of statements whatever the size:
60 students in 12 teams and 600 in 120 send exactly as many (issue 9, Performance), for a
layout that creates every team and for one that edits, versions and archives them."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import ProjectTeam
from teameval.models.base import utcnow
from tests.factories import make_project
from tests.projects.teams.team_helpers import enrolled_students, teams_url
from tests.roster.conftest import RosterWorld, bearer
from tests.statements import recorded_statements

Factory = sessionmaker[Session]
TEAM_SIZE = 5


def app_engine(client: TestClient) -> sa.Engine:
    engine: sa.Engine = client.app.state.teameval.session_factory.kw["bind"]  # type: ignore[attr-defined]
    return engine


def _layout(students: list[int], teams: int, shift: int) -> dict[str, object]:
    """``teams`` teams of ``TEAM_SIZE``; ``shift`` moves every student one team along and
    leaves the last team out (removed)."""
    rows: dict[int, list[int]] = {n: [] for n in range(1, teams + 1)}
    for index, student in enumerate(students):
        number = (index // TEAM_SIZE + shift) % teams + 1
        rows[number].append(student)
    if shift:
        rows[1] += rows.pop(teams)
    return {"teams": [{"team_number": n, "member_ids": m} for n, m in rows.items()]}


def _counts(
    client: TestClient, worlds: RosterWorld, factory: Factory, teams: int
) -> tuple[int, int, int]:
    with factory.begin() as session:
        project_id = make_project(session, session.merge(worlds.north.course), f"P{teams}").id
    students = enrolled_students(factory, worlds.north, teams * TEAM_SIZE, f"s{teams}-")
    teacher = bearer(worlds.north, "teacher")
    url = teams_url(project_id)
    engine = app_engine(client)
    with recorded_statements(engine) as created:
        response = client.put(url, json=_layout(students, teams, 0), headers=teacher)
    assert response.status_code == 200, response.text
    assert [c["action"] for c in response.json()["changes"]] == ["create"] * teams
    # Lock every other team: the next layout versions those and edits the others in place.
    with factory.begin() as session:
        session.execute(
            update(ProjectTeam)
            .where(ProjectTeam.project_id == project_id, ProjectTeam.team_number % 2 == 0)
            .values(locked_at=utcnow(), lock_reason="teacher")
        )
    with recorded_statements(engine) as changed:
        response = client.put(url, json=_layout(students, teams, 1), headers=teacher)
    assert response.status_code == 200, response.text
    actions = sorted({c["action"] for c in response.json()["changes"]})
    assert actions == ["archive", "new_version", "update"]
    with recorded_statements(engine) as listed:
        response = client.get(url + "?page_size=500", headers=teacher)
    assert response.json()["total"] == teams - 1
    assert sum(len(team["members"]) for team in response.json()["items"]) == len(students)
    return len(created), len(changed), len(listed)


def test_layout_and_list_statements_do_not_grow_with_the_layout(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    small = _counts(shared_client, shared_worlds, shared_session_factory, 12)
    large = _counts(shared_client, shared_worlds, shared_session_factory, 120)
    assert large == small
    created, changed, listed = small
    assert created <= 16
    assert changed <= 18
    assert listed <= 6  # caller, project, count, page, members
