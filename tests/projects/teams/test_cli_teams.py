"""`teameval teams show|import|generate`: the same services as the API, dry run by default, one
JSON document with --json, and the exit codes of `import students` (0, 1 line errors, 2 the file
or the school/project unusable)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from teameval.models import AuditLog, ProjectTeam
from teameval.projects.teams.sources.generate import deal
from tests.cli_helpers import run_cli
from tests.projects.teams.sources_support import Factory, layout, students, tables
from tests.roster.conftest import RosterWorld


def _run(db_url: str, *args: str) -> Any:
    return run_cli("teams", *args, "--database-url", db_url)


def _project(worlds: RosterWorld) -> list[str]:
    return ["--school", "north", "--project", str(worlds.north_project.id)]


def test_import_is_a_dry_run_until_commit(
    db_url: str, worlds: RosterWorld, session_factory: Factory, tmp_path: Path
) -> None:
    (kim,) = students(session_factory, worlds.north.course, 1, prefix="kim")
    csv = tmp_path / "teams.csv"
    csv.write_text("team_number,email,team_name\n2,kim0@example.org,Kites\n", encoding="utf-8")
    before = tables(session_factory)

    preview = _run(db_url, "import", str(csv), *_project(worlds), "--json")
    assert preview.exit_code == 0, preview.output
    report = json.loads(preview.stdout)
    assert (report["mode"], report["valid"], report["committed"]) == ("preview", True, False)
    assert sorted((c["team_number"], c["action"]) for c in report["changes"]) == [
        (1, "archive"),
        (2, "create"),
    ]
    assert tables(session_factory) == before

    commit = _run(db_url, "import", str(csv), *_project(worlds), "--commit")
    assert commit.exit_code == 0, commit.output
    assert "Committed." in commit.stdout
    assert layout(session_factory, worlds.north_project.id) == [
        {
            "team_number": 2,
            "name": "Kites",
            "version": 1,
            "is_current": True,
            "backfill_source": "import",
            "team_id": None,
            "members": [kim],
        }
    ]
    with session_factory() as session:
        labels = set(
            session.scalars(
                sa.select(AuditLog.actor_label).where(AuditLog.entity_type == "project_team")
            )
        )
    assert labels == {"cli:teams import"}


def test_import_line_errors_exit_1_and_write_nothing(
    db_url: str, worlds: RosterWorld, session_factory: Factory, tmp_path: Path
) -> None:
    csv = tmp_path / "teams.csv"
    csv.write_text("team_number,email\n1,nobody@x.org\n", encoding="utf-8")
    before = tables(session_factory)
    for extra in ((), ("--commit",)):
        result = _run(db_url, "import", str(csv), *_project(worlds), *extra, "--json")
        assert result.exit_code == 1, result.output
        report = json.loads(result.stdout)
        assert report["errors"] == [
            {"line": 2, "field": "email", "message": "no one in the school has this email address"}
        ]
        assert report["committed"] is False
    human = _run(db_url, "import", str(csv), *_project(worlds), "--commit")
    assert human.exit_code == 1
    assert "Nothing was written" in human.stdout
    assert tables(session_factory) == before


def test_unusable_file_school_or_project_exit_2(
    db_url: str, worlds: RosterWorld, session_factory: Factory, tmp_path: Path
) -> None:
    csv = tmp_path / "teams.csv"
    csv.write_text("email\nx@y.org\n", encoding="utf-8")
    result = _run(db_url, "import", str(csv), *_project(worlds), "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["type"] == "/problems/unusable-import-file"
    missing = _run(db_url, "import", str(tmp_path / "none.csv"), *_project(worlds))
    assert missing.exit_code == 2
    south = _run(
        db_url, "show", "--school", "north", "--project", str(worlds.south_project.id), "--json"
    )
    assert south.exit_code == 2
    assert json.loads(south.stdout)["detail"] == (
        f"Project {worlds.south_project.id} does not exist in this school."
    )
    nowhere = _run(db_url, "generate", "--school", "nowhere", "--project", "1", "--size", "2")
    assert nowhere.exit_code == 2


def test_generate_previews_then_commits_the_printed_seed(
    db_url: str, worlds: RosterWorld, session_factory: Factory
) -> None:
    enrolled = sorted(
        [worlds.north.student.id, *students(session_factory, worlds.north.course, 5, prefix="g")]
    )
    before = tables(session_factory)
    preview = _run(db_url, "generate", *_project(worlds), "--size", "3", "--json")
    assert preview.exit_code == 0, preview.output
    plan = json.loads(preview.stdout)
    assert plan["committed"] is False
    assert plan["teams"] == []
    assert tables(session_factory) == before
    seed = plan["seed"]

    commit = _run(
        db_url, "generate", *_project(worlds), "--size", "3", "--seed", str(seed), "--commit"
    )
    assert commit.exit_code == 0, commit.output
    assert f"Seed {seed}, team size 3." in commit.stdout
    assert [team["members"] for team in layout(session_factory, worlds.north_project.id)] == [
        sorted(members) for members in deal(enrolled, 3, seed)
    ]
    # The plan the preview showed is what the commit did (the first team changed in place).
    with session_factory() as session:
        sources = set(
            session.scalars(
                sa.select(ProjectTeam.backfill_source).where(
                    ProjectTeam.is_current.is_(True),
                    ProjectTeam.project_id == worlds.north_project.id,
                )
            )
        )
    assert sources == {"generated"}
    assert [(c["team_number"], c["action"]) for c in plan["changes"]] == [
        (1, "update"),
        (2, "create"),
    ]


def test_show_and_history(db_url: str, worlds: RosterWorld, session_factory: Factory) -> None:
    (kim,) = students(session_factory, worlds.north.course, 1, prefix="kim")
    with session_factory.begin() as session:
        session.execute(
            sa.update(ProjectTeam)
            .where(ProjectTeam.id == worlds.north_team.id)
            .values(locked_at=sa.func.now(), lock_reason="teacher")
        )
    generated = _run(
        db_url, "generate", *_project(worlds), "--size", "2", "--seed", "5", "--commit"
    )
    assert generated.exit_code == 0, generated.output

    shown = _run(db_url, "show", *_project(worlds), "--json")
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.stdout)
    [team] = document["teams"]
    assert (team["team_number"], team["version"], team["backfill_source"]) == (1, 2, "generated")
    assert sorted(member["id"] for member in team["members"]) == sorted(
        [worlds.north.student.id, kim]
    )

    history = _run(db_url, "show", *_project(worlds), "--history", "--json")
    assert history.exit_code == 0, history.output
    [number] = json.loads(history.stdout)["teams"]
    assert number["team_number"] == 1
    assert [
        (v["version"], v["is_current"], v["lock_reason"], sorted(m["id"] for m in v["members"]))
        for v in number["versions"]
    ] == [
        (1, False, "teacher", [worlds.north.student.id]),
        (2, True, None, sorted([worlds.north.student.id, kim])),
    ]
    assert number["versions"][0]["current_until"] is not None

    human = _run(db_url, "show", *_project(worlds), "--history")
    assert human.exit_code == 0, human.output
    assert "every team version" in human.stdout
