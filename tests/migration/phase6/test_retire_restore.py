"""`teameval legacy mode|retire|restore` on both engines, through the real commands: retire then
restore gives every table's rows and the schema back exactly (teameval's schema and a
contracted legacy-shaped one); the archive is a plain zip of JSON; a tampered or truncated
archive and a second restore are refused; after the retirement `db check` is clean and the app
runs without the legacy tables. The gates: test_gates.py."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient

from teameval.api import create_app
from teameval.config import Settings
from teameval.db import make_engine, make_session_factory
from tests.migration.phase6.support import (
    API,
    BOOKKEEPING,
    contents,
    data_of,
    retire,
    run,
    schema,
)
from tests.roster.conftest import SECRET, bearer


def test_retire_then_restore_gives_everything_back(ours_url: str, tmp_path: Path) -> None:
    url, archive = ours_url, tmp_path / "legacy.zip"
    rows_before, schema_before = data_of(url), schema(url)
    assert run("legacy", "mode", "off", "--database-url", url).exit_code == 0  # a dry run
    assert run("legacy", "mode", "--database-url", url, "--json").json()["mode"] == "dual-write"
    changed = run("legacy", "mode", "off", "--commit", "--database-url", url, "--json").json()
    assert (changed["status"], changed["mode"], changed["restart_required"]) == (
        "changed",
        "off",
        True,
    )

    dry = retire(url, archive).json()
    assert (dry["status"], dry["exit_code"], dry["failing_gates"]) == ("dry_run", 0, [])
    assert [g["name"] for g in dry["gates"]] == [
        "phase1_audit",
        "phase2_contracted",
        "access_audit",
        "shadow_quiet",
        "usage_quiet",
        "legacy_mode_off",
    ]
    assert {t["name"]: t["rows"] for t in dry["plan"]["tables"]} == {
        "group_members": 3,
        "groups": 2,
    }
    assert [(c["table"], c["column"], c["rows_with_a_value"]) for c in dry["plan"]["columns"]] == [
        ("project_teams", "team_id", 1)
    ]
    assert not archive.exists()
    assert data_of(url) == rows_before

    result = retire(url, archive, "--commit")
    document = result.json()
    assert (result.exit_code, document["status"]) == (0, "completed"), document
    tables = set(sa.inspect(make_engine(url)).get_table_names())
    assert not {"groups", "group_members"} & tables
    assert "team_id" not in {
        c["name"] for c in sa.inspect(make_engine(url)).get_columns("project_teams")
    }
    assert run("db", "check", "--database-url", url).exit_code == 0
    assert run("legacy", "mode", "--database-url", url, "--json").json()["mode"] == "retired"
    refused = run("legacy", "mode", "dual-write", "--commit", "--database-url", url, "--json")
    assert (refused.exit_code, refused.json()["status"]) == (2, "refused")

    # A plain zip and JSON reader sees what the manifest says.
    with zipfile.ZipFile(archive) as plain:
        manifest = json.loads(plain.read("manifest.json"))
        for part in manifest["parts"]:
            lines = [json.loads(line) for line in plain.read(part["member"]).splitlines()]
            assert len(lines) == part["rows"]
            assert all(list(line) == part["columns"] for line in lines)
    assert {p["member"] for p in manifest["parts"]} == {
        "tables/groups.jsonl",
        "tables/group_members.jsonl",
        "columns/project_teams.team_id.jsonl",
    }
    assert (
        document["archive"]["sha256"]
        == run("legacy", "mode", "--database-url", url, "--json").json()["state"]["archive_sha256"]
    )

    dry_restore = run("legacy", "restore", str(archive), "--database-url", url, "--json")
    assert (dry_restore.exit_code, dry_restore.json()["status"]) == (0, "dry_run")
    restored = run("legacy", "restore", str(archive), "--commit", "--database-url", url, "--json")
    assert (restored.exit_code, restored.json()["status"]) == (0, "completed"), restored.stdout
    assert data_of(url) == rows_before
    after = schema(url)
    for table in schema_before:
        if table not in BOOKKEEPING:
            assert after[table] == schema_before[table], table
    assert run("db", "check", "--database-url", url).exit_code == 0
    assert run("legacy", "mode", "--database-url", url, "--json").json()["mode"] == "dual-write"
    again = run("legacy", "restore", str(archive), "--commit", "--database-url", url, "--json")
    assert again.exit_code == 2
    assert "exists already" in " ".join(again.json()["problems"])


def test_a_tampered_or_truncated_archive_is_refused(ours_url: str, tmp_path: Path) -> None:
    url, archive = ours_url, tmp_path / "legacy.zip"
    run("legacy", "mode", "off", "--commit", "--database-url", url)
    assert retire(url, archive, "--commit").exit_code == 0
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "tables/groups.jsonl":
                data = data.replace(b"OO-4A team 1", b"OO-4A team 9")
            target.writestr(item, data)
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(archive.read_bytes()[:-200])
    before = contents(url)
    for path, expected in (
        (tampered, "tables/groups.jsonl: SHA-256"),
        (truncated, "damaged or truncated"),
    ):
        result = run("legacy", "restore", str(path), "--commit", "--database-url", url, "--json")
        assert result.exit_code == 2, result.stdout
        assert expected in " ".join(result.json()["problems"])
        assert contents(url) == before


def test_after_retirement_the_app_runs_without_the_legacy_tables(
    ours_url: str, tmp_path: Path
) -> None:
    url = ours_url
    run("legacy", "mode", "off", "--commit", "--database-url", url)
    assert retire(url, tmp_path / "legacy.zip", "--commit").exit_code == 0
    factory = make_session_factory(make_engine(url))
    with factory() as session:
        from teameval.models import Course, School, User

        school = session.scalars(sa.select(School)).one()
        course = session.scalars(sa.select(Course).where(Course.code == "OO-4A")).one()
        users = {u.email.split("@")[0]: u for u in session.scalars(sa.select(User))}

    class World:
        pass

    world = World()
    world.school, world.teacher, world.admin = school, users["teacher"], users["admin"]  # type: ignore[attr-defined]
    teacher = bearer(world, "teacher")  # type: ignore[arg-type]
    with TestClient(create_app(Settings(database_url=url, secret_key=SECRET))) as client:
        gone = client.get(f"{API}/courses/{course.id}/groups", headers=teacher)
        assert gone.status_code == 410, gone.text
        assert "switched off" in gone.json()["detail"]
        # A project, its teams (a layout replaced: versions the locked team) and an unenrollment.
        project = client.post(
            f"{API}/courses/{course.id}/projects", json={"title": "Na"}, headers=teacher
        )
        assert project.status_code == 201, project.text
        layout = {
            "teams": [{"team_number": 1, "member_ids": [users["student"].id, users["third"].id]}]
        }
        placed = client.put(
            f"{API}/projects/{project.json()['id']}/teams", json=layout, headers=teacher
        )
        assert placed.status_code == 200, placed.text
        assert [t["team_number"] for t in placed.json()["teams"]] == [1]
        ended = client.delete(
            f"{API}/courses/{course.id}/students/{users['student2'].id}", headers=teacher
        )
        assert ended.status_code in (200, 204), ended.text
    assert run("db", "check", "--database-url", url).exit_code == 0


def test_a_legacy_shaped_database_retires_and_restores(
    contracted_legacy_url: str, tmp_path: Path
) -> None:
    url, archive = contracted_legacy_url, tmp_path / "legacy.zip"
    rows_before, schema_before = contents(url), schema(url)
    dry = retire(url, archive).json()
    assert dry["failing_gates"] == []
    assert {g["name"]: g["passed"] for g in dry["gates"]} == {
        "phase1_audit": True,
        "phase2_contracted": True,
        "access_audit": True,
        "shadow_quiet": None,
        "usage_quiet": None,
        "legacy_mode_off": None,
    }
    assert [(c["table"], c["column"]) for c in dry["plan"]["columns"]] == [
        ("project_assessments", "group_id"),
        ("project_assessment_scores", "team_number"),
        ("project_teams", "team_id"),
    ]
    assert retire(url, archive, "--commit").exit_code == 0
    inspector = sa.inspect(make_engine(url))
    assert not {"groups", "group_members"} & set(inspector.get_table_names())
    assert "group_id" not in {c["name"] for c in inspector.get_columns("project_assessments")}
    restored = run("legacy", "restore", str(archive), "--commit", "--database-url", url, "--json")
    assert restored.exit_code == 0, restored.stdout
    assert contents(url) == rows_before
    assert schema(url) == schema_before
