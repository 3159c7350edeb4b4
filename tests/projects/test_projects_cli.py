"""`teameval projects list|create`: the same service as the API; exactly one JSON document with
--json, one line on stderr and the usual exit codes (1 domain, 2 usage) on failure."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cli_helpers import run_cli
from tests.factories import make_project
from tests.projects.project_helpers import Factory, audit_rows, stored_project
from tests.roster.conftest import RosterWorld, build_worlds


@pytest.fixture
def worlds(session_factory: Factory) -> RosterWorld:
    return build_worlds(session_factory, "north", "south")


def _run(db_url: str, *args: str) -> Any:
    return run_cli("projects", *args, "--database-url", db_url)


def _stored(factory: Factory, project_id: int, code: str) -> dict[str, Any]:
    """What the database holds, as the JSON document shows it (without the two timestamps)."""
    row = stored_project(factory, project_id)
    return {
        "id": project_id,
        "course_id": row["course_id"],
        "title": row["title"],
        "description": row["description"],
        "start_date": row["start_date"] and row["start_date"].isoformat(),
        "end_date": row["end_date"] and row["end_date"].isoformat(),
        "status": row["status"],
        "course": code,
    }


def _without_times(document: dict[str, Any]) -> dict[str, Any]:
    assert {"created_at", "updated_at"} <= set(document)
    return {
        key: value for key, value in document.items() if key not in ("created_at", "updated_at")
    }


def test_create_prints_one_document_and_writes_an_audit_row(
    db_url: str, worlds: RosterWorld, session_factory: Factory
) -> None:
    result = _run(
        db_url,
        "create",
        "--school",
        "north",
        "--course",
        "oo-4a",
        "--title",
        " Bridge ",
        "--description",
        "Build it.",
        "--start",
        "2026-02-02",
        "--end",
        "2026-03-27",
        "--json",
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    project_id = document["id"]
    assert _without_times(document) == {
        "id": project_id,
        "course_id": worlds.north.course.id,
        "title": "Bridge",
        "description": "Build it.",
        "start_date": "2026-02-02",
        "end_date": "2026-03-27",
        "status": "draft",
        "course": "OO-4A",
    }
    assert _without_times(document) == _stored(session_factory, project_id, "OO-4A")
    assert audit_rows(session_factory, project_id) == [
        {
            "action": "project.create",
            "actor_id": None,
            "actor_label": "cli:projects create",
            "school_id": worlds.north.school.id,
            "changes": {
                "course_id": worlds.north.course.id,
                "title": "Bridge",
                "description": "Build it.",
                "start_date": "2026-02-02",
                "end_date": "2026-03-27",
                "status": "draft",
            },
        }
    ]
    human = _run(db_url, "create", "--school", "north", "--course", "OO-4A", "--title", "Two")
    assert human.exit_code == 0, human.output
    assert "Created project Two" in human.stdout


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (["--title", "  "], "title"),
        (["--title", "x" * 201], "title"),
        (["--title", "Ok", "--start", "2026-02-30"], "start_date"),
        (["--title", "Ok", "--start", "2026-03-02", "--end", "2026-03-01"], "end_date"),
    ],
)
def test_invalid_input_exits_1_with_a_problem_naming_the_field(
    db_url: str, worlds: RosterWorld, options: list[str], field: str
) -> None:
    result = _run(db_url, "create", "--school", "north", "--course", "OO-4A", *options, "--json")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert document["type"] == "/problems/validation-error"
    assert [error["field"] for error in document["errors"]] == [field]
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
    listed = json.loads(_run(db_url, "list", "--school", "north", "--json").stdout)
    assert [project["title"] for project in listed["projects"]] == ["Projectweek"]


def test_unknown_school_course_and_deactivated_course_exit_1(
    db_url: str, worlds: RosterWorld, session_factory: Factory
) -> None:
    nowhere = _run(db_url, "create", "--school", "atlantis", "--course", "OO-4A", "--title", "X")
    assert nowhere.exit_code == 1
    assert nowhere.stderr == "error: No school with slug 'atlantis'.\n"
    no_course = _run(db_url, "list", "--school", "north", "--course", "NOPE", "--json")
    assert no_course.exit_code == 1
    assert json.loads(no_course.stdout)["detail"] == "No course with code 'NOPE' in this school."
    with session_factory.begin() as session:
        from teameval.models import Course

        course = session.get(Course, worlds.north.course.id)
        assert course is not None
        course.is_active = False
    closed = _run(db_url, "create", "--school", "north", "--course", "OO-4A", "--title", "X")
    assert closed.exit_code == 1
    assert closed.stderr == ("error: Course 'OO-4A' is deactivated; activate it to add projects.\n")


def test_usage_errors_exit_2(db_url: str, worlds: RosterWorld) -> None:
    assert _run(db_url, "list", "--school", "north", "--status", "finished").exit_code == 2
    assert _run(db_url, "create", "--school", "north", "--course", "OO-4A").exit_code == 2


def test_list_shows_the_schools_projects_filtered(
    db_url: str, worlds: RosterWorld, session_factory: Factory
) -> None:
    with session_factory.begin() as session:
        draft = make_project(session, worlds.north.other_course, "Essay", status="draft").id
        make_project(session, worlds.south.course, "Southern", status="draft")
    result = _run(db_url, "list", "--school", "north", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert {**document, "projects": [_without_times(p) for p in document["projects"]]} == {
        "school": "north",
        "projects": [
            _stored(session_factory, draft, "NLT-5"),
            _stored(session_factory, worlds.north_project.id, "OO-4A"),
        ],
    }
    only = json.loads(
        _run(db_url, "list", "--school", "north", "--course", "OO-4A", "--json").stdout
    )
    assert [p["id"] for p in only["projects"]] == [worlds.north_project.id]
    drafts = json.loads(
        _run(db_url, "list", "--school", "north", "--status", "draft", "--json").stdout
    )
    assert [p["id"] for p in drafts["projects"]] == [draft]
    table = _run(db_url, "list", "--school", "north")
    assert table.exit_code == 0
    assert "Essay" in table.stdout
    assert "Projectweek" in table.stdout
    assert "Southern" not in table.stdout
    assert "2 projects." in table.stdout
