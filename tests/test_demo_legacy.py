"""``teameval demo legacy PATH``: a new legacy-shaped SQLite file with the gaps of both
migration phases. The file is SQLite by definition, so these tests need no other engine."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from teameval.migration.legacy_shape import ASSESSMENT_TABLES, LEGACY_TABLES
from tests.cli_helpers import run_teameval
from tests.migration.conftest import cli

EXPECTED_ROWS = {
    "schools": 2,
    "users": 45,
    "courses": 6,
    "groups": 8,
    "group_members": 45,
    "course_enrollments": 37,
    "projects": 7,
    "project_teams": 8,
    "project_team_members": 25,
    "rubrics": 2,
    "rubric_criteria": 5,
    "project_assessments": 11,
    "project_assessment_scores": 47,
}


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _tables(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        names = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            name: connection.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in names
        }


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    path = tmp_path / "legacy.db"
    result = cli("demo", "legacy", str(path))
    assert result.exit_code == 0, result.stderr
    return path


def test_the_file_holds_the_legacy_shape_and_nothing_of_ours(demo_file: Path) -> None:
    tables = _tables(demo_file)
    assert set(tables) == {*LEGACY_TABLES, *ASSESSMENT_TABLES}
    assert tables == EXPECTED_ROWS
    # Not a half-written file left beside it.
    assert sorted(p.name for p in demo_file.parent.iterdir()) == ["legacy.db"]
    with sqlite3.connect(demo_file) as connection:
        (school,) = connection.execute("SELECT name FROM schools WHERE id = 1").fetchone()
        courses = [name for (name,) in connection.execute("SELECT name FROM courses")]
        score_columns = {
            row[1] for row in connection.execute("PRAGMA table_info(project_assessment_scores)")
        }
    assert school == "Stedelijk Lyceum Utrecht"
    assert "OO-4A Objectgeoriënteerd programmeren" in courses
    assert "project_team_id" not in score_columns  # `expand assessments` adds it


def test_it_prints_what_it_wrote_and_the_first_commands(tmp_path: Path) -> None:
    path = tmp_path / "printed.db"
    result = cli("demo", "legacy", str(path))
    assert result.exit_code == 0
    out = " ".join(result.stdout.split())
    assert f"Legacy-shaped database written: {path}" in out
    assert "11 assessments keyed by cohort group with 47 score rows" in out
    assert f"teameval audit enrollments --database-url sqlite:///{path}" in out
    assert f"teameval expand assessments --commit --database-url sqlite:///{path}" in out
    assert f"teameval audit assessments --database-url sqlite:///{path}" in out


def test_it_refuses_to_overwrite_unless_forced(demo_file: Path) -> None:
    with sqlite3.connect(demo_file) as connection:
        connection.execute("UPDATE schools SET name = 'changed by hand' WHERE id = 1")
    before = _digest(demo_file)
    refused = cli("demo", "legacy", str(demo_file))
    assert refused.exit_code == 1
    assert "exists" in refused.stderr
    assert "--force" in refused.stderr
    assert _digest(demo_file) == before  # untouched
    forced = cli("demo", "legacy", str(demo_file), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert _tables(demo_file) == EXPECTED_ROWS
    with sqlite3.connect(demo_file) as connection:
        (name,) = connection.execute("SELECT name FROM schools WHERE id = 1").fetchone()
    assert name == "Stedelijk Lyceum Utrecht"


def test_force_replaces_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database\n")
    assert cli("demo", "legacy", str(path)).exit_code == 1
    assert path.read_text() == "not a database\n"
    assert cli("demo", "legacy", str(path), "--force").exit_code == 0
    assert _tables(path) == EXPECTED_ROWS


def test_a_directory_is_refused(tmp_path: Path) -> None:
    result = cli("demo", "legacy", str(tmp_path), "--force")
    assert result.exit_code == 1
    assert "directory" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_enrollment_audit_finds_the_phase_1_gaps(demo_file: Path) -> None:
    result = cli("audit", "enrollments", "--database-url", _url(demo_file), "--json")
    assert result.exit_code == 2
    report = result.json()
    report.pop("samples")
    assert report == {
        "status": "FAIL",
        "exit_code": 2,
        "school_id": None,
        "active_memberships": 44,
        "unique_pairs": 41,
        "eligible_pairs": 40,
        "enrolled_active": 36,
        "enrolled_inactive": 1,
        "missing": 3,
        "coverage_percent": 90.0,
        "anomalies": {"non_student_member": 1, "cross_school": 0},
    }


def test_an_operator_runs_it_as_a_separate_process(tmp_path: Path) -> None:
    path = tmp_path / "process.db"
    done = run_teameval("demo", "legacy", str(path))
    assert done.returncode == 0, done.stderr
    assert _tables(path) == EXPECTED_ROWS
    again = run_teameval("demo", "legacy", str(path))
    assert again.returncode == 1
    assert again.stderr.strip().startswith("error:")


NO_REASON = dict.fromkeys(
    (
        "cross_school",
        "no_team_number",
        "no_project",
        "ambiguous_project",
        "ambiguous_team",
        "member_conflict",
    ),
    0,
)


def _figures(document: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in document.items() if name != "samples"}


def test_the_assessment_audit_finds_every_reason_and_both_anomalies(demo_file: Path) -> None:
    result = cli("audit", "assessments", "--database-url", _url(demo_file), "--json")
    assert result.exit_code == 2
    report = result.json()
    assert _figures(report) == {
        "status": "FAIL",
        "exit_code": 2,
        "shape": "legacy",
        "school_id": None,
        "expanded": False,
        "assessments": 11,
        "score_rows": 47,
        "team_keys": 16,
        "mapped": 0,
        "to_link": 6,
        "to_create": 4,
        "unmapped": dict.fromkeys(NO_REASON, 1),  # one key of every reason
        "scores_mapped": 0,
        "scores_unmapped": 47,
        "anomalies": {"duplicate_team_scores": 1, "override_not_member": 1},
    }
    # The keys docs/migration.md names, (assessment, team number) per reason.
    named = {
        reason: [(key["assessment_id"], key["team_number"]) for key in report["samples"][reason]]
        for reason in NO_REASON
    }
    assert named == {
        "cross_school": [(5, 1)],
        "no_team_number": [(6, None)],
        "no_project": [(7, 1)],
        "ambiguous_project": [(8, 2)],
        "ambiguous_team": [(9, 1)],
        "member_conflict": [(10, 2)],
    }


def test_the_second_school_sees_its_own_keys_and_the_cross_school_one(demo_file: Path) -> None:
    url = _url(demo_file)
    report = cli("audit", "assessments", "--database-url", url, "--school", "2", "--json").json()
    assert (report["assessments"], report["score_rows"], report["team_keys"]) == (2, 4, 2)
    assert (report["to_link"], report["to_create"]) == (1, 0)
    assert report["unmapped"] == {**NO_REASON, "cross_school": 1}
    first = cli("audit", "assessments", "--database-url", url, "--school", "1", "--json").json()
    assert (first["assessments"], first["team_keys"], first["to_link"]) == (10, 15, 5)
