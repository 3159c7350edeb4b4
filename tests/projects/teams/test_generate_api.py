"""POST /projects/{id}/teams/generate: random balanced teams, reproducible with the seed."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from teameval.models import ProjectTeam
from teameval.projects.teams.sources.generate import deal
from tests.factories import make_project
from tests.projects.teams.sources_support import Factory, layout, students, tables
from tests.roster.conftest import API, RosterWorld, bearer


def _expected(ids: list[int], size: int, seed: int, first: int = 1) -> list[dict[str, object]]:
    return [
        {
            "team_number": first + index,
            "name": f"Team {first + index}",
            "version": 1,
            "is_current": True,
            "backfill_source": "generated",
            "team_id": None,
            "members": sorted(members),
        }
        for index, members in enumerate(deal(ids, size, seed))
    ]


def test_generate_deals_every_enrolled_student_once_reproducibly(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    north = worlds.north
    enrolled = sorted([north.student.id, *students(session_factory, north.course, 9, prefix="g")])
    with session_factory.begin() as session:
        second = make_project(session, north.course, "Second").id
    headers = bearer(north, "teacher")
    body = {"team_size": 3, "seed": 42}
    response = client.post(
        f"{API}/projects/{worlds.north_project.id}/teams/generate", json=body, headers=headers
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["seed"], answer["team_size"], answer["include"]) == (42, 3, "all")
    expected = _expected(enrolled, 3, 42)
    assert [len(team["members"]) for team in expected] == [3, 3, 2, 2]
    assert layout(session_factory, worlds.north_project.id) == expected
    assert [sorted(m["id"] for m in team["members"]) for team in answer["teams"]] == [
        team["members"] for team in expected
    ]
    # The same seed on another project of the course: the same layout.
    response = client.post(f"{API}/projects/{second}/teams/generate", json=body, headers=headers)
    assert response.status_code == 200, response.text
    assert layout(session_factory, second) == expected


def test_without_a_seed_the_drawn_one_is_answered_and_reproduces_the_layout(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    north = worlds.north
    students(session_factory, north.course, 7, prefix="g")
    with session_factory.begin() as session:
        second = make_project(session, north.course, "Second").id
    headers = bearer(north, "admin")
    response = client.post(
        f"{API}/projects/{worlds.north_project.id}/teams/generate",
        json={"team_size": 4},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    seed = response.json()["seed"]
    assert isinstance(seed, int)
    again = client.post(
        f"{API}/projects/{second}/teams/generate",
        json={"team_size": 4, "seed": seed},
        headers=headers,
    )
    assert again.status_code == 200, again.text
    first_layout = layout(session_factory, worlds.north_project.id)
    assert [len(team["members"]) for team in first_layout] == [4, 4]
    assert layout(session_factory, second) == first_layout


def test_unassigned_keeps_the_existing_teams_and_numbers_new_ones_after_them(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    north = worlds.north
    new = students(session_factory, north.course, 5, prefix="u")
    before = layout(session_factory, worlds.north_project.id)
    response = client.post(
        f"{API}/projects/{worlds.north_project.id}/teams/generate",
        json={"team_size": 2, "seed": 3, "include": "unassigned"},
        headers=bearer(north, "teacher"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["include"] == "unassigned"
    assert layout(session_factory, worlds.north_project.id) == before + _expected(
        new, 2, 3, first=2
    )
    assert sorted((c["team_number"], c["action"]) for c in response.json()["changes"]) == [
        (2, "create"),
        (3, "create"),
        (4, "create"),
    ]


def test_a_locked_team_gets_version_2_and_keeps_version_1(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    north = worlds.north
    enrolled = sorted([north.student.id, *students(session_factory, north.course, 3, prefix="g")])
    with session_factory.begin() as session:
        session.execute(
            sa.update(ProjectTeam)
            .where(ProjectTeam.id == worlds.north_team.id)
            .values(locked_at=sa.func.now(), lock_reason="teacher")
        )
    response = client.post(
        f"{API}/projects/{worlds.north_project.id}/teams/generate",
        json={"team_size": 4, "seed": 1},
        headers=bearer(north, "teacher"),
    )
    assert response.status_code == 200, response.text
    assert layout(session_factory, worlds.north_project.id, current=False) == [
        {
            "team_number": 1,
            "name": "Team 1",
            "version": 1,
            "is_current": False,
            "backfill_source": None,
            "team_id": None,
            "members": [north.student.id],
        },
        {**_expected(enrolled, 4, 1)[0], "version": 2},
    ]
    [change] = response.json()["changes"]
    assert (change["action"], change["team_id"]) == ("new_version", worlds.north_team.id)


def test_bad_bodies_are_422_naming_the_field_and_write_nothing(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    before = tables(session_factory)
    path = f"{API}/projects/{worlds.north_project.id}/teams/generate"
    for body, field in (
        ({"team_size": 1}, "team_size"),
        ({"team_size": 51}, "team_size"),
        ({"team_size": 3, "include": "some"}, "include"),
        ({"team_size": 3, "seed": "x"}, "seed"),
        ({"team_size": 3, "seed": -1}, "seed"),
        ({"team_size": 3, "seed": 2**31}, "seed"),
        ({"team_size": 3, "extra": 1}, "extra"),
    ):
        response = client.post(path, json=body, headers=bearer(worlds.north, "teacher"))
        assert response.status_code == 422, body
        assert [error["field"] for error in response.json()["errors"]] == [field], body
    assert tables(session_factory) == before


def test_a_course_without_students_is_422_and_unassigned_with_nobody_left_changes_nothing(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    north = worlds.north
    with session_factory.begin() as session:
        empty = make_project(session, north.other_course, "Empty").id
    before = tables(session_factory)
    response = client.post(
        f"{API}/projects/{empty}/teams/generate",
        json={"team_size": 3},
        headers=bearer(north, "admin"),
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "team_size",
            "message": "The course has no actively enrolled students to put in teams.",
        }
    ]
    # Everyone enrolled in the world's course is already in team 1.
    response = client.post(
        f"{API}/projects/{worlds.north_project.id}/teams/generate",
        json={"team_size": 3, "include": "unassigned", "seed": 9},
        headers=bearer(north, "teacher"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["changes"] == []
    assert [team["id"] for team in response.json()["teams"]] == [worlds.north_team.id]
    assert tables(session_factory) == before
