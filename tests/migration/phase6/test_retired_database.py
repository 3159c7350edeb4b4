"""On a database retired with the operator's commands (``teameval legacy mode off --commit``,
then ``teameval legacy retire --commit --archive``), the roster and project teams work through
the API: students created and imported (the student sync plans from the legacy adapter's reads),
enrollments made and ended, the roster and the export, and a project's team layouts from each
source. The adapter's reads answer empty and its writes do nothing, or 410 Gone where a legacy
team was asked for; nothing answers 500 for a missing table.

Two servers: one started after the retirement (the database's mode, ``retired``, makes it
``off``), and one started before it that still has legacy groups on (a server nobody restarted):
the adapter asks the database whether the tables are there, not the mode it started with.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from teameval.api import create_app
from teameval.config import LegacyGroupsMode, Settings
from teameval.db import make_engine
from tests.factories import SchoolWorld
from tests.migration.phase6.support import API, build_school, retire_by_commands, run
from tests.roster.conftest import SECRET, bearer
from tests.roster.import_helpers import EXPORT_URL, csv_bytes, post_import

# What a refused request must leave exactly as it was.
UNTOUCHED = ("users", "course_enrollments", "project_teams", "project_team_members", "audit_logs")


def app(url: str, legacy_groups: LegacyGroupsMode | None = None) -> TestClient:
    extra: dict[str, Any] = {} if legacy_groups is None else {"legacy_groups": legacy_groups}
    return TestClient(create_app(Settings(database_url=url, secret_key=SECRET, **extra)))


def table_rows(url: str, *tables: str) -> dict[str, list[Any]]:
    """Every row of each table, every column."""
    engine = make_engine(url)
    found: dict[str, list[Any]] = {}
    with engine.connect() as connection:
        for table in tables:
            rows = connection.execute(sa.text(f'SELECT * FROM "{table}" ORDER BY id')).mappings()
            found[table] = [dict(row) for row in rows]
    engine.dispose()
    return found


def world_project(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = connection.execute(sa.text("SELECT min(id) FROM projects")).scalar_one()
    engine.dispose()
    return int(found)


def export_rows(client: TestClient, admin: dict[str, str]) -> list[dict[str, str]]:
    response = client.get(EXPORT_URL, headers=admin)
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def exercise_roster_and_teams(client: TestClient, world: SchoolWorld) -> None:
    """Every roster and project-team path that reads or writes through the legacy adapter."""
    admin, teacher = bearer(world, "admin"), bearer(world, "teacher")
    course = world.course.id

    created = client.post(
        f"{API}/admin/students",
        json={"email": "new@north.example.org", "name": "New Student", "courses": ["OO-4A"]},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    new = created.json()
    assert (new["email"], [c["code"] for c in new["courses"]], new["teams"]) == (
        "new@north.example.org",
        ["OO-4A"],
        [],
    )
    patched = client.patch(
        f"{API}/admin/students/{new['id']}", json={"courses": ["OO-4A", "NLT-5"]}, headers=admin
    )
    assert patched.status_code == 200, patched.text
    assert sorted(c["code"] for c in patched.json()["courses"]) == ["NLT-5", "OO-4A"]
    listed = client.get(f"{API}/admin/students", headers=admin)
    assert listed.status_code == 200, listed.text
    assert all(item["teams"] == [] for item in listed.json()["items"])

    # The import (preview, then commit): a team column is ignored with a warning, legacy off.
    rows = [
        ["email", "first_name", "last_name", "courses", "team"],
        ["imported@north.example.org", "Ima", "Port", "OO-4A", "2"],
        ["student@north.example.org", "Stu", "Dent", "OO-4A|NLT-5", "1"],
    ]
    for mode in ("preview", "commit"):
        report = post_import(client, admin, csv_bytes(rows), mode=mode)
        assert report.status_code == 200, report.text
        assert report.json()["errors"] == []
    exported = {row["email"]: row for row in export_rows(client, admin)}
    assert "team" not in next(iter(exported.values()))
    assert sorted(exported) == [
        "gone@north.example.org",
        "imported@north.example.org",
        "new@north.example.org",
        "student2@north.example.org",
        "student@north.example.org",
        "third@north.example.org",
    ]
    assert exported["imported@north.example.org"]["courses"] == "OO-4A"
    assert exported["student@north.example.org"]["courses"] == "NLT-5|OO-4A"

    # Enrollments made and ended by the course's teacher; the roster shows no legacy team.
    third = next(
        item
        for item in client.get(f"{API}/admin/students", headers=admin).json()["items"]
        if item["email"] == "third@north.example.org"
    )
    enrolled = client.post(
        f"{API}/courses/{course}/students", json={"student_id": third["id"]}, headers=teacher
    )
    assert enrolled.status_code == 200, enrolled.text
    assert (enrolled.json()["id"], enrolled.json()["team_number"]) == (third["id"], None)
    roster = client.get(f"{API}/courses/{course}/students", headers=teacher)
    assert roster.status_code == 200, roster.text
    assert {(e["email"], e["team_number"], e["group_id"]) for e in roster.json()["items"]} == {
        (email, None, None)
        for email in (
            "student@north.example.org",
            "student2@north.example.org",
            "new@north.example.org",
            "imported@north.example.org",
            "third@north.example.org",
        )
    }
    ended = client.delete(f"{API}/courses/{course}/students/{third['id']}", headers=teacher)
    assert ended.status_code == 204, ended.text
    unenrolled = client.get(f"{API}/admin/students/{third['id']}", headers=admin).json()
    assert (unenrolled["courses"], unenrolled["teams"]) == ([], [])

    # A project's team layouts: set by hand, generated, cloned; the copy from legacy groups 410.
    project = client.post(
        f"{API}/courses/{course}/projects", json={"title": "Na"}, headers=teacher
    ).json()["id"]
    layout = {"teams": [{"team_number": 1, "member_ids": [world.student.id, new["id"]]}]}
    placed = client.put(f"{API}/projects/{project}/teams", json=layout, headers=teacher)
    assert placed.status_code == 200, placed.text
    assert [
        (t["team_number"], sorted(m["id"] for m in t["members"])) for t in placed.json()["teams"]
    ] == [(1, sorted([world.student.id, new["id"]]))]
    generated = client.post(
        f"{API}/projects/{project}/teams/generate", json={"team_size": 2}, headers=teacher
    )
    assert generated.status_code == 200, generated.text
    dealt = sorted(m["id"] for t in generated.json()["teams"] for m in t["members"])
    assert len(dealt) == 4
    copied = client.post(f"{API}/projects/{project}/teams/from-groups", headers=teacher)
    assert copied.status_code == 410, copied.text
    assert "switched off" in copied.json()["detail"]
    other = client.post(
        f"{API}/courses/{course}/projects", json={"title": "Clone"}, headers=teacher
    ).json()["id"]
    cloned = client.post(
        f"{API}/projects/{other}/teams/clone", json={"source_project_id": project}, headers=teacher
    )
    assert cloned.status_code == 200, cloned.text
    assert sorted(m["id"] for t in cloned.json()["teams"] for m in t["members"]) == dealt
    teams = client.get(f"{API}/projects/{other}/teams", headers=teacher)
    assert teams.status_code == 200, teams.text
    history = client.get(f"{API}/projects/{project}/teams/history", headers=teacher)
    assert history.status_code == 200, history.text


@pytest.fixture
def retired_school(db_url: str, tmp_path: Path) -> SchoolWorld:
    world = build_school(db_url)
    retire_by_commands(db_url, tmp_path / "legacy.zip")
    return world


def test_a_server_started_after_the_retirement_runs_the_roster_and_teams(
    db_url: str, retired_school: SchoolWorld
) -> None:
    with app(db_url) as client:
        exercise_roster_and_teams(client, retired_school)
    assert run("db", "check", "--database-url", db_url).exit_code == 0


def test_a_server_started_before_the_retirement_with_legacy_groups_on(
    migrated_url: str, tmp_path: Path
) -> None:
    url = migrated_url
    world = build_school(url)
    # Built now, while the database says dual-write: it keeps legacy groups on afterwards.
    client = app(url, LegacyGroupsMode.DUAL_WRITE)
    with client:
        assert client.app.state.teameval.settings.legacy_groups is LegacyGroupsMode.DUAL_WRITE
        retire_by_commands(url, tmp_path / "legacy.zip")
        admin, teacher = bearer(world, "admin"), bearer(world, "teacher")
        course = world.course.id
        # Asking for a legacy team is 410 Gone naming what replaces it, and writes nothing.
        before = table_rows(url, *UNTOUCHED)
        asked = [
            client.post(
                f"{API}/admin/students",
                json={
                    "email": "teamed@north.example.org",
                    "name": "Teamed",
                    "courses": ["OO-4A"],
                    "teams": [{"course": "OO-4A", "team_number": 3}],
                },
                headers=admin,
            ),
            client.put(
                f"{API}/courses/{course}/students/{world.student.id}/team",
                json={"team_number": 2},
                headers=teacher,
            ),
            client.post(f"{API}/courses/{course}/groups", json={"team_number": 7}, headers=teacher),
            client.get(f"{API}/courses/{course}/groups", headers=teacher),
            post_import(
                client,
                admin,
                csv_bytes(
                    [["email", "name", "courses", "team"], ["i@north.nl", "I", "OO-4A", "2"]]
                ),
                mode="commit",
            ),
            # An empty copy would archive the project's teams: Gone, and the teams stay.
            client.post(f"{API}/projects/{world_project(url)}/teams/from-groups", headers=teacher),
        ]
        for response in asked:
            assert response.status_code == 410, response.text
            assert "switched off" in response.json()["detail"]
        assert table_rows(url, *UNTOUCHED) == before
        # What the roster shows of legacy teams is empty.
        shown = client.get(f"{API}/admin/students/{world.student.id}", headers=admin)
        assert (shown.status_code, shown.json()["teams"]) == (200, [])
        roster = client.get(f"{API}/courses/{course}/students", headers=teacher)
        assert roster.status_code == 200, roster.text
        assert {(e["team_number"], e["group_id"]) for e in roster.json()["items"]} == {(None, None)}
