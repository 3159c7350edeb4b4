"""Every moment the API answers is timezone-aware UTC, on SQLite as on PostgreSQL.

SQLite keeps no offset: without ``models.base.UTCDateTime`` a project's ``created_at`` came back
``2026-11-28T04:09:42.918028`` there and ``2026-11-28T04:09:42.918028+00:00`` on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.roster.conftest import API, RosterWorld, bearer


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() == timedelta(0), text
    return moment


def test_created_updated_and_history_times_are_utc(client: TestClient, worlds: RosterWorld) -> None:
    teacher = bearer(worlds.north, "teacher")
    before = datetime.now(UTC) - timedelta(seconds=5)
    created = client.post(
        f"{API}/courses/{worlds.north.course.id}/projects", json={"title": "Tijd"}, headers=teacher
    )
    assert created.status_code == 201, created.text
    body = created.json()
    for field in ("created_at", "updated_at"):
        assert before <= _utc(body[field]) <= datetime.now(UTC) + timedelta(seconds=5)
    project_id = worlds.north_project.id
    team_id = worlds.north_team.id
    locked = client.post(f"{API}/projects/{project_id}/teams/{team_id}/lock", headers=teacher)
    assert locked.status_code == 200, locked.text
    assert _utc(locked.json()["locked_at"]) >= before
    history = client.get(f"{API}/projects/{project_id}/teams/history", headers=teacher).json()
    version = history["items"][0]["versions"][0]
    assert _utc(version["current_from"]) <= _utc(version["locked_at"])
