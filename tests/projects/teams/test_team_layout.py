"""The whole-layout PUT through HTTP: moves, new teams, removed teams and new versions of locked
teams in one request; atomic (one bad row, nothing written, every problem named); capped."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import AuditLog
from tests.projects.teams.team_helpers import (
    enrolled_students,
    member_rows,
    member_views,
    members_of,
    team_rows,
    teams_url,
)
from tests.roster.conftest import RosterWorld, bearer

Factory = sessionmaker[Session]


def _audit_rows(factory: Factory) -> list[tuple[object, ...]]:
    with factory() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(AuditLog.id, AuditLog.action, AuditLog.entity_id, AuditLog.changes).order_by(
                    AuditLog.id
                )
            )
        ]


def _setup(client: TestClient, worlds: RosterWorld, factory: Factory) -> list[int]:
    """Teams 1 (the world's, holding ``student``), 2 and 3 (locked), with new students."""
    students = enrolled_students(factory, worlds.north, 6, "layout")
    teacher = bearer(worlds.north, "teacher")
    url = teams_url(worlds.north_project.id)
    client.put(
        url,
        json={
            "teams": [
                {"team_number": 1, "member_ids": [worlds.north.student.id, students[0]]},
                {"team_number": 2, "member_ids": students[1:3]},
                {"team_number": 3, "member_ids": students[3:5]},
            ]
        },
        headers=teacher,
    ).raise_for_status()
    three = client.get(url, headers=teacher).json()["items"][2]
    client.post(f"{url}/{three['id']}/lock", headers=teacher).raise_for_status()
    return students


def test_layout_moves_creates_archives_and_versions_in_one_request(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    students = _setup(client, worlds, session_factory)
    teacher = bearer(worlds.north, "teacher")
    url = teams_url(worlds.north_project.id)
    before = {
        team["team_number"]: team for team in client.get(url, headers=teacher).json()["items"]
    }
    me = worlds.north.student.id
    response = client.put(
        url,
        json={
            "teams": [
                # student moves from 1 to 3 (locked: new version); team 2 is absent (archived)
                {"team_number": 1, "member_ids": [students[0]]},
                {"team_number": 3, "name": "Three", "member_ids": [*students[3:5], me]},
                {"team_number": 4, "member_ids": [students[5], students[1]]},
            ]
        },
        headers=teacher,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    new_three = next(team for team in body["teams"] if team["team_number"] == 3)
    new_four = next(team for team in body["teams"] if team["team_number"] == 4)
    assert body["changes"] == [
        {
            "team_number": 1,
            "action": "update",
            "team_id": before[1]["id"],
            "new_team_id": before[1]["id"],
            "added": [],
            "removed": [me],
        },
        {
            "team_number": 3,
            "action": "new_version",
            "team_id": before[3]["id"],
            "new_team_id": new_three["id"],
            "added": [me],
            "removed": [],
        },
        {
            "team_number": 4,
            "action": "create",
            "team_id": None,
            "new_team_id": new_four["id"],
            "added": sorted([students[5], students[1]]),
            "removed": [],
        },
        {
            "team_number": 2,
            "action": "archive",
            "team_id": before[2]["id"],
            "new_team_id": None,
            "added": [],
            "removed": sorted(students[1:3]),
        },
    ]
    assert [(t["team_number"], t["version"], t["name"]) for t in body["teams"]] == [
        (1, 1, "Team 1"),
        (3, 2, "Three"),
        (4, 1, "Team 4"),
    ]
    assert new_three["members"] == member_views(session_factory, [*students[3:5], me])
    assert client.get(url, headers=teacher).json()["items"] == body["teams"]
    # The locked version 1 of team 3 and the archived team 2 keep their members.
    assert members_of(session_factory, before[3]["id"]) == sorted(students[3:5])
    assert members_of(session_factory, before[2]["id"]) == sorted(students[1:3])
    actions = [row[1] for row in _audit_rows(session_factory)[-4:]]
    assert sorted(actions) == sorted(
        [
            "project_team.update",
            "project_team.new_version",
            "project_team.create",
            "project_team.archive",
        ]
    )


def test_one_bad_row_writes_nothing_and_every_problem_is_named(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    students = _setup(client, worlds, session_factory)
    project = worlds.north_project
    before = (
        team_rows(session_factory, project.id),
        member_rows(session_factory, project.id),
        _audit_rows(session_factory),
    )
    north = worlds.north
    response = client.put(
        teams_url(project.id),
        json={
            "teams": [
                {"team_number": 1, "member_ids": [students[0]]},
                {"team_number": 2, "member_ids": [students[1], north.student.id]},
                {"team_number": 3, "member_ids": [students[2]]},
                {"team_number": 4, "member_ids": [north.other_student.id, students[3]]},
                {"team_number": 4, "member_ids": [worlds.south.student.id, students[0]]},
            ]
        },
        headers=bearer(north, "teacher"),
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"field": "teams[4].team_number", "message": "team number 4 is listed more than once"},
        {
            "field": "teams[3].member_ids",
            "student_id": north.other_student.id,
            "message": "not actively enrolled in course OO-4A",
        },
        {
            "field": "teams[4].member_ids",
            "student_id": worlds.south.student.id,
            "message": "not a student of this school",
        },
        {
            "field": "teams[4].member_ids",
            "student_id": students[0],
            "message": "listed more than once in this layout",
        },
    ]
    after = (
        team_rows(session_factory, project.id),
        member_rows(session_factory, project.id),
        _audit_rows(session_factory),
    )
    assert after == before


def test_an_unchanged_layout_writes_nothing(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    _setup(client, worlds, session_factory)
    url = teams_url(worlds.north_project.id)
    teacher = bearer(worlds.north, "teacher")
    current = client.get(url, headers=teacher).json()["items"]
    before = (team_rows(session_factory, worlds.north_project.id), _audit_rows(session_factory))
    same = {
        "teams": [
            {"team_number": t["team_number"], "member_ids": [m["id"] for m in t["members"]]}
            for t in current
        ]
    }
    response = client.put(url, json=same, headers=teacher)
    assert response.status_code == 200
    assert [c["action"] for c in response.json()["changes"]] == ["unchanged"] * 3
    assert (
        team_rows(session_factory, worlds.north_project.id),
        _audit_rows(session_factory),
    ) == before


def test_layout_caps_are_422(client: TestClient, worlds: RosterWorld) -> None:
    url = teams_url(worlds.north_project.id)
    teacher = bearer(worlds.north, "teacher")
    too_many_teams = {"teams": [{"team_number": n, "member_ids": []} for n in range(1, 502)]}
    assert client.put(url, json=too_many_teams, headers=teacher).status_code == 422
    ids = list(range(1, 5002))
    too_many_members = {
        "teams": [
            {"team_number": n + 1, "member_ids": ids[n * 1000 : (n + 1) * 1000]} for n in range(6)
        ]
    }
    response = client.put(url, json=too_many_members, headers=teacher)
    assert response.status_code == 422
    assert "5000" in response.text
    with_zero = {"teams": [{"team_number": 0, "member_ids": []}]}
    assert client.put(url, json=with_zero, headers=teacher).status_code == 422


def test_audit_rows_of_a_layout(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    with session_factory() as session:
        start = session.scalar(select(func.max(AuditLog.id))) or 0
    (newcomer,) = enrolled_students(session_factory, worlds.north, 1, "audited")
    response = client.put(
        teams_url(worlds.north_project.id),
        json={"teams": [{"team_number": 2, "member_ids": [newcomer]}]},
        headers=bearer(worlds.north, "teacher"),
    )
    assert response.status_code == 200
    created = response.json()["teams"][0]["id"]
    rows = [
        row[1:]
        for row in _audit_rows(session_factory)
        if int(row[0]) > start and str(row[1]).startswith("project_team.")  # type: ignore[call-overload]
    ]
    assert rows == [
        (
            "project_team.create",
            created,
            {
                "team_number": 2,
                "added": [newcomer],
                "removed": [],
                "name": "Team 2",
                "version": 1,
                "backfill_source": None,
            },
        ),
        (
            "project_team.archive",
            worlds.north_team.id,
            {
                "team_number": 1,
                "added": [],
                "removed": [worlds.north.student.id],
                "version": 1,
                "locked": False,
            },
        ),
    ]
