"""Versioning through HTTP: an unlocked team changes in place, a locked one gets a new version
whose predecessor keeps its members; an old version's id answers 409 naming the current one;
the history shows every version with its times and its lock."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import AuditLog, ProjectTeam
from tests.projects.teams.team_helpers import (
    enrolled_students,
    member_views,
    members_of,
    team_columns,
    team_rows,
    teams_url,
)
from tests.roster.conftest import API, RosterWorld, bearer

Factory = sessionmaker[Session]


def test_unlocked_team_changes_in_place(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    north, team = worlds.north, worlds.north_team
    a, b = enrolled_students(session_factory, north, 2, "inplace")
    url = f"{teams_url(worlds.north_project.id)}/{team.id}/members"
    response = client.put(url, json={"member_ids": [a, b]}, headers=bearer(north, "teacher"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "id": team.id,
        "project_id": worlds.north_project.id,
        "team_number": 1,
        "name": "Team 1",
        "version": 1,
        "locked": False,
        "locked_at": None,
        "lock_reason": None,
        "backfill_source": None,
        "members": member_views(session_factory, [a, b]),
    }
    assert members_of(session_factory, team.id) == sorted([a, b])
    listed = client.get(teams_url(worlds.north_project.id), headers=bearer(north, "admin"))
    assert listed.json() == {"items": [body], "total": 1, "page": 1, "page_size": 50}
    with session_factory() as session:
        audit = session.execute(
            select(AuditLog.action, AuditLog.entity_id, AuditLog.changes).where(
                AuditLog.entity_type == "project_team"
            )
        ).all()
    assert [tuple(row) for row in audit] == [
        (
            "project_team.update",
            team.id,
            {"team_number": 1, "added": [a, b], "removed": [north.student.id], "version": 1},
        )
    ]


def test_locked_team_gets_a_new_version_and_the_old_keeps_its_members(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    north, project, team = worlds.north, worlds.north_project, worlds.north_team
    teacher = bearer(north, "teacher")
    (newcomer,) = enrolled_students(session_factory, north, 1, "newcomer")
    locked = client.post(f"{teams_url(project.id)}/{team.id}/lock", headers=teacher)
    assert locked.status_code == 200, locked.text
    assert locked.json()["locked"] is True
    assert locked.json()["lock_reason"] == "teacher"
    old_rows = [row for row in team_rows(session_factory, project.id) if row[0] == team.id]

    changed = client.put(
        f"{teams_url(project.id)}/{team.id}/members",
        json={"member_ids": [north.student.id, newcomer]},
        headers=teacher,
    )
    assert changed.status_code == 200, changed.text
    new = changed.json()
    assert new["id"] != team.id
    assert new | {"id": 0} == {
        "id": 0,
        "project_id": project.id,
        "team_number": 1,
        "name": "Team 1",
        "version": 2,
        "locked": False,
        "locked_at": None,
        "lock_reason": None,
        "backfill_source": None,
        "members": member_views(session_factory, [north.student.id, newcomer]),
    }
    # Version 1: its members untouched, its row retired, and nothing else of it changed.
    assert members_of(session_factory, team.id) == [north.student.id]
    retired = [row for row in team_rows(session_factory, project.id) if row[0] == team.id]
    columns = team_columns(session_factory)
    before, after = (
        dict(zip(columns, old_rows[0], strict=True)),
        dict(zip(columns, retired[0], strict=True)),
    )
    assert after["is_current"] is False
    assert after["superseded_at"] is not None
    for name in ("is_current", "superseded_at", "updated_at"):
        before.pop(name), after.pop(name)
    assert before == after
    with session_factory() as session:
        previous = session.scalar(
            select(ProjectTeam.previous_version_id).where(ProjectTeam.id == new["id"])
        )
    assert previous == team.id

    # The old id: 409 naming the current version, on every write.
    stale = client.put(
        f"{teams_url(project.id)}/{team.id}/members", json={"member_ids": []}, headers=teacher
    )
    assert stale.status_code == 409, stale.text
    assert stale.json()["current_team_id"] == new["id"]
    for method, path in (("POST", "/lock"), ("DELETE", "")):
        again = client.request(method, f"{teams_url(project.id)}/{team.id}{path}", headers=teacher)
        assert again.status_code == 409
        assert again.json()["current_team_id"] == new["id"]
    renamed = client.patch(
        f"{teams_url(project.id)}/{team.id}", json={"name": "Old"}, headers=teacher
    )
    assert renamed.status_code == 409

    history = client.get(f"{teams_url(project.id)}/history", headers=teacher)
    assert history.status_code == 200, history.text
    (number,) = history.json()["items"]
    assert number["team_number"] == 1
    first, second = number["versions"]
    assert (first["id"], first["version"], second["id"], second["version"]) == (
        team.id,
        1,
        new["id"],
        2,
    )
    assert first["members"] == member_views(session_factory, [north.student.id])
    assert second["members"] == new["members"]
    assert first["is_current"] is False
    assert second["is_current"] is True
    assert first["lock_reason"] == "teacher"
    assert first["locked_by_id"] == north.teacher.id
    assert first["locked_at"] is not None
    assert second["locked_at"] is None
    assert first["current_until"] is not None
    assert second["current_until"] is None
    assert first["current_until"] == second["current_from"]
    assert first["archived"] is False
    assert second["archived"] is False


def test_locking_twice_keeps_the_first_lock(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    project, team = worlds.north_project, worlds.north_team
    first = client.post(
        f"{teams_url(project.id)}/{team.id}/lock", headers=bearer(worlds.north, "teacher")
    )
    second = client.post(
        f"{teams_url(project.id)}/{team.id}/lock", headers=bearer(worlds.north, "admin")
    )
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    rows = team_rows(session_factory, project.id)
    assert len(rows) == 1


def test_rename_a_locked_team_makes_a_new_version(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    project, team = worlds.north_project, worlds.north_team
    teacher = bearer(worlds.north, "teacher")
    client.post(f"{teams_url(project.id)}/{team.id}/lock", headers=teacher)
    renamed = client.patch(
        f"{teams_url(project.id)}/{team.id}", json={"name": "Rockets"}, headers=teacher
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["version"]) == ("Rockets", 2)
    assert renamed.json()["members"] == member_views(session_factory, [worlds.north.student.id])
    assert members_of(session_factory, team.id) == [worlds.north.student.id]


def test_remove_a_team_archives_it_and_keeps_its_members(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    project, team = worlds.north_project, worlds.north_team
    teacher = bearer(worlds.north, "teacher")
    removed = client.delete(f"{teams_url(project.id)}/{team.id}", headers=teacher)
    assert removed.status_code == 204, removed.text
    assert client.get(teams_url(project.id), headers=teacher).json()["items"] == []
    assert members_of(session_factory, team.id) == [worlds.north.student.id]
    (number,) = client.get(f"{teams_url(project.id)}/history", headers=teacher).json()["items"]
    (version,) = number["versions"]
    assert version["archived"] is True
    assert version["is_current"] is False
    assert version["current_until"] is not None
    again = client.delete(f"{teams_url(project.id)}/{team.id}", headers=teacher)
    assert again.status_code == 409
    assert again.json()["current_team_id"] is None
    # The number is free again: a new team 1 starts at version 1.
    created = client.post(teams_url(project.id), json={"member_ids": []}, headers=teacher)
    assert created.status_code == 201, created.text
    assert (created.json()["team_number"], created.json()["version"]) == (1, 1)
    assert created.headers["location"].endswith(
        f"{API}/projects/{project.id}/teams/{created.json()['id']}"
    )
