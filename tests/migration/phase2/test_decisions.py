"""`teameval backfill assessments --decisions FILE`: an operator's CSV
(``assessment_id,team_number,project_id,project_team_id``) settles the keys the backfill cannot
map by itself; a wrong file stops the command (exit 3) naming the line, with nothing written.

A row with ``project_team_id`` links its key to that team (junction source 'decision'); a row
with only ``project_id`` gives the key that project, in which its team is then found or created
as for any other key ('linked' / 'created')."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.migration.conftest import cli
from tests.migration.phase2 import oracle
from tests.migration.phase2.dataset import UNMAPPED_NONE, table_contents

HEADER = "assessment_id,team_number,project_id,project_team_id"
# One row per unmapped reason of the crafted data (dataset.py); (10, 7) and (10, 8) are left.
SETTLE_ALL = [
    "1,,,1005",  # no_team_number: the key without a number, to team 1005
    "6,1,3,",  # ambiguous_project: project 3, whose team 1 is 1101
    "7,1,5,",  # no_project: project 5, which has no team 1: one is created (member 2)
    "2,3,,1004",  # ambiguous_team: the tie 1003/1004 settled
    "2,6,,1002",  # member_conflict with current team 2: linked to it
    "8,1,,1001",  # cross_school (its group is school 2's): a team of the assessment's school
    "9,1,,1001",  # cross_school (its project is school 2's)
]
DECIDED = {
    (1, None): (None, 1005),
    (6, 1): (3, None),
    (7, 1): (5, None),
    (2, 3): (None, 1004),
    (2, 6): (None, 1002),
    (8, 1): (None, 1001),
    (9, 1): (None, 1001),
}


def _file(tmp_path: Path, *lines: str, header: bool = True) -> Path:
    path = tmp_path / "decisions.csv"
    path.write_text("\n".join([HEADER] * header + list(lines)) + "\n", encoding="utf-8")
    return path


def backfill(url: str, path: Path, *args: str) -> dict[str, Any]:
    result = cli(
        "backfill", "assessments", "--database-url", url, "--json", "--decisions", str(path), *args
    )
    document = result.json()
    assert document["exit_code"] == result.exit_code, result.stderr
    return document


def test_oracle_reads_the_decisions_as_the_docstring_says(mapped_url: str) -> None:
    analysis = oracle.analyse(oracle.read_tables(mapped_url), decisions=DECIDED)
    states = {key: (k.state, k.team, k.source) for key, k in analysis.keys.items()}
    assert {key: states[key] for key in DECIDED} == {
        (1, None): ("to_link", 1005, "decision"),
        (6, 1): ("to_link", 1101, None),
        (7, 1): ("to_create", ("new", 5, 1), None),
        (2, 3): ("to_link", 1004, "decision"),
        (2, 6): ("to_link", 1002, "decision"),
        (8, 1): ("to_link", 1001, "decision"),
        (9, 1): ("to_link", 1001, "decision"),
    }
    assert analysis.create[(5, 1)] == {2}


def test_dry_run_with_decisions_counts_them_and_writes_nothing(
    mapped_url: str, tmp_path: Path
) -> None:
    before = table_contents(mapped_url)
    document = backfill(mapped_url, _file(tmp_path, *SETTLE_ALL))
    assert table_contents(mapped_url) == before
    assert document["unmapped"] == {**UNMAPPED_NONE, "member_conflict": 2}
    assert (document["to_link"], document["to_create"]) == (6 + 6, 3 + 1)
    assert document["exit_code"] == 1  # (10, 7) and (10, 8) are still unmapped


def test_decisions_settle_every_reason(mapped_url: str, tmp_path: Path) -> None:
    before = oracle.read_tables(mapped_url)
    document = backfill(mapped_url, _file(tmp_path, *SETTLE_ALL), "--commit")
    assert document.get("failed_batch") is None, document.get("failed_batch")
    assert document["exit_code"] == 1
    assert (document["linked"], document["created"]) == (6 + 6, 2 + 1)
    assert document["unmapped"] == {**UNMAPPED_NONE, "member_conflict": 2}
    expected = oracle.backfill(before, decisions=DECIDED).tables
    assert oracle.canonical(oracle.read_tables(mapped_url), oracle.ids(before)) == (
        oracle.canonical(expected, oracle.ids(before))
    )
    after = oracle.read_tables(mapped_url)
    links = {
        (j["project_assessment_id"], j["team_number"]): (j["project_team_id"], j["source"])
        for j in after["project_assessment_teams"]
    }
    new_team = {t["project_id"]: t["id"] for t in after["project_teams"]}[5]
    assert {key: links[key] for key in DECIDED} == {
        (1, None): (1005, "decision"),  # the junction row keeps the key's NULL number
        (6, 1): (1101, "linked"),
        (7, 1): (new_team, "created"),
        (2, 3): (1004, "decision"),
        (2, 6): (1002, "decision"),
        (8, 1): (1001, "decision"),
        (9, 1): (1001, "decision"),
    }
    assessments = {
        a["id"]: (a["project_id"], a["project_team_id"]) for a in after["project_assessments"]
    }
    assert assessments[6] == (3, 1101)
    assert assessments[7] == (5, new_team)
    assert assessments[8] == (1, 1001)  # project_id was NULL: the team's project
    assert assessments[9] == (20, 1001)  # project_id already set: kept

    audit = cli("audit", "assessments", "--database-url", mapped_url, "--json")
    assert audit.exit_code == 2
    assert audit.json()["unmapped"] == {**UNMAPPED_NONE, "member_conflict": 2}
    assert (audit.json()["mapped"], audit.json()["team_keys"]) == (17, 19)
    again = backfill(mapped_url, _file(tmp_path, *SETTLE_ALL), "--commit")
    assert (again["linked"], again["created"], again["scores_updated"]) == (0, 0, 0)


def test_school_2_settled_leaves_only_anomalies(mapped_url: str, tmp_path: Path) -> None:
    """School 2's one unmapped key (assessment 8, cross-school) decided: backfill exits 0 and
    the audit of school 2 says WARNING (its duplicate team score remains)."""
    document = backfill(mapped_url, _file(tmp_path, "8,1,,1001"), "--commit", "--school", "2")
    assert (document["exit_code"], document.get("failed_batch")) == (0, None)
    result = cli("audit", "assessments", "--database-url", mapped_url, "--json", "--school", "2")
    assert (result.json()["status"], result.exit_code) == ("WARNING", 1)
    assert result.json()["anomalies"] == {"duplicate_team_scores": 1, "override_not_member": 0}


BAD_FILES = [
    pytest.param(["2,3,,1004", "999,1,,1001"], 3, id="unknown-assessment"),
    pytest.param(["2,3,,1004", "1,9,,1001"], 3, id="key-that-does-not-exist"),
    pytest.param(["2,3,,1004", "9,1,,2001"], 3, id="team-of-another-school"),
    pytest.param(["2,3,,1004", "6,1,2,1101"], 3, id="team-not-in-the-given-project"),
    pytest.param(["2,3,,1004", "7,x,5,"], 3, id="non-integer"),
    pytest.param(["2,3,,1004", "7,1,5,1101.5"], 3, id="non-integer-team"),
    # Team 1001 is where assessment 1's key (1, 1) links: one assessment, one team, one key.
    pytest.param(["2,3,,1004", "1,,,1001"], 3, id="team-another-key-links-to"),
]


@pytest.mark.parametrize(("lines", "line"), BAD_FILES)
@pytest.mark.parametrize("commit", [False, True])
def test_a_bad_file_exits_3_naming_the_line_and_writes_nothing(
    mapped_url: str, tmp_path: Path, lines: list[str], line: int, commit: bool
) -> None:
    before = table_contents(mapped_url)
    path = _file(tmp_path, *lines)
    args = ["--commit"] if commit else []
    result = cli(
        "backfill", "assessments", "--database-url", mapped_url, "--decisions", str(path), *args
    )
    assert result.exit_code == 3, result.stdout
    assert f"line {line}" in result.stderr
    assert "line 2" not in result.stderr  # the good line is not blamed
    as_json = cli(
        "backfill",
        "assessments",
        "--database-url",
        mapped_url,
        "--decisions",
        str(path),
        "--json",
        *args,
    )
    assert as_json.exit_code == 3
    assert f"line {line}" in as_json.json()["detail"]
    assert table_contents(mapped_url) == before


def test_missing_header_exits_3_naming_line_1(mapped_url: str, tmp_path: Path) -> None:
    before = table_contents(mapped_url)
    path = _file(tmp_path, "6,1,3,", header=False)
    result = cli(
        "backfill",
        "assessments",
        "--database-url",
        mapped_url,
        "--decisions",
        str(path),
        "--commit",
    )
    assert result.exit_code == 3
    assert "line 1" in result.stderr
    assert table_contents(mapped_url) == before
