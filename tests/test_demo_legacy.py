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


# The runbook's decisions (docs/migration.md, step 4): one row per reason but member_conflict,
# which is settled in the data.
DECISIONS = """assessment_id,team_number,project_id,project_team_id
5,1,,8
6,,,6
7,1,6,
8,2,4,
9,1,,4
"""


def _count(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute(sql).fetchone()[0])


def test_the_runbook_brings_the_demo_to_pass_and_contracted(
    demo_file: Path, tmp_path: Path
) -> None:
    url = _url(demo_file)
    assert cli("expand", "assessments", "--database-url", url, "--commit").exit_code == 0
    with sqlite3.connect(demo_file) as connection:
        connection.execute("UPDATE users SET team_number = 1 WHERE id = 35")
    decisions = tmp_path / "decisions.csv"
    decisions.write_text(DECISIONS)
    backfill = ["backfill", "assessments", "--database-url", url, "--decisions", str(decisions)]
    dry_run = cli(*backfill, "--json")
    assert dry_run.exit_code == 0, dry_run.stdout
    done = cli(*backfill, "--commit", "--json")
    assert done.exit_code == 0, done.stdout
    report = done.json()
    assert report["unmapped"] == NO_REASON
    assert (report["to_link"], report["to_create"], report["decisions"]) == (9, 7, 5)
    # Teams created: OO-4A 3, 4 and 5, NLT-practicum 1, Projectweek 2, canteen 2.
    assert (report["created"], report["members_added"]) == (6, 17)
    assert report["scores_updated"] == 47
    again = cli(*backfill, "--commit", "--json").json()
    assert (again["linked"], again["created"], again["scores_updated"]) == (0, 0, 0)

    verified = cli("verify", "assessments", "--database-url", url, "--json")
    assert verified.exit_code == 0
    assert (verified.json()["mismatches"], verified.json()["unmapped_keys"]) == (0, 0)
    resolved = cli("resolve", "duplicate-scores", "--database-url", url, "--commit", "--json")
    assert (resolved.exit_code, resolved.json()["archived"]) == (0, 1)
    warning = cli("audit", "assessments", "--database-url", url, "--json")
    assert warning.exit_code == 1
    assert warning.json()["anomalies"] == {"duplicate_team_scores": 0, "override_not_member": 1}
    with sqlite3.connect(demo_file) as connection:  # step 8: the late joiner joins team 1
        connection.execute(
            "INSERT INTO project_team_members (school_id, project_team_id, user_id) "
            "VALUES (1, 1, 17)"
        )
    passed = cli("audit", "assessments", "--database-url", url, "--json")
    assert (passed.exit_code, passed.json()["status"]) == (0, "PASS")
    assert (passed.json()["mapped"], passed.json()["scores_mapped"]) == (16, 46)

    contract = cli("contract", "assessments", "--database-url", url, "--commit", "--json")
    assert contract.exit_code == 0, contract.stdout
    assert all(gate["passed"] for gate in contract.json()["gates"])
    assert cli("contract", "assessments", "--database-url", url, "--commit").exit_code == 0
    # Nothing lost: 46 score rows keyed by team, the duplicate in the archive, every
    # assessment and every original team still there.
    assert _count(demo_file, "SELECT count(*) FROM project_assessment_scores") == 46
    assert (
        _count(
            demo_file,
            "SELECT count(*) FROM project_assessment_scores WHERE project_team_id IS NULL",
        )
        == 0
    )
    assert _count(demo_file, "SELECT count(*) FROM archived_assessment_scores") == 1
    assert _count(demo_file, "SELECT count(*) FROM project_assessments") == 11
    assert _count(demo_file, "SELECT count(*) FROM project_teams") == 8 + 6
