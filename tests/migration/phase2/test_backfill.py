"""`teameval backfill assessments` on the crafted legacy database: the dry run writes nothing and
counts what the oracle counts; a commit writes exactly the oracle's end state (junction rows,
created teams and members, score rows' and assessments' project_team_id) and nothing else;
a second commit writes nothing; batches, a failed batch and kill -9 all end in the same state."""

from __future__ import annotations

import signal
import subprocess
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from teameval.db import make_engine
from teameval.demo import build_demo
from teameval.migration.runner.cli import FAIL_AFTER_ENV, KILL_AFTER_ENV
from tests.cli_helpers import run_teameval
from tests.migration.conftest import cli
from tests.migration.phase2 import oracle
from tests.migration.phase2.dataset import (
    EXPECTED_AFTER_BACKFILL_ALL,
    EXPECTED_BACKFILL_DRY_BEFORE,
    EXPECTED_BACKFILL_DRY_MAPPED,
    EXPECTED_CREATED_TEAMS,
    expand,
    load_crafted,
    table_contents,
)

DONE_ZERO = {
    "linked": 0,
    "created": 0,
    "members_added": 0,
    "scores_updated": 0,
    "assessments_linked": 0,
}
# Done-counts of the first commit on the mapped database: 6 keys linked to existing teams,
# 2 teams created (for 3 keys) with 4 members, 20 score rows and 3 assessments keyed.
DONE_FIRST = {
    "linked": 6,
    "created": 2,
    "members_added": 4,
    "scores_updated": 20,
    "assessments_linked": 3,
}


def backfill(url: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = cli("backfill", "assessments", "--database-url", url, "--json", *args, env=env)
    document = result.json()
    assert document["exit_code"] == result.exit_code, result.stderr
    return document


def _counts(document: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    return {field: document[field] for field in expected}


def _oracle_figures(figures: dict[str, Any]) -> dict[str, Any]:
    """The oracle's dry-run figures under the backfill JSON's names."""
    return {
        "team_keys": figures["team_keys"],
        "to_link": figures["to_link"],
        "to_create": figures["to_create"],
        "scores_to_update": figures["scores_to_update"],
        "assessments_to_link": figures["assessments_to_link"],
        "unmapped": figures["unmapped"],
    }


def end_state(before: oracle.Tables, url: str) -> dict[str, Any]:
    return oracle.canonical(oracle.read_tables(url), oracle.ids(before))


def predicted(before: oracle.Tables, school_id: int | None = None) -> dict[str, Any]:
    return oracle.canonical(oracle.backfill(before, school_id).tables, oracle.ids(before))


def test_dry_run_before_expansion_counts_and_writes_nothing(crafted_legacy_url: str) -> None:
    before = table_contents(crafted_legacy_url)
    document = backfill(crafted_legacy_url)
    assert table_contents(crafted_legacy_url) == before
    assert _counts(document, EXPECTED_BACKFILL_DRY_BEFORE) == EXPECTED_BACKFILL_DRY_BEFORE
    figures = oracle.backfill(oracle.read_tables(crafted_legacy_url)).figures
    assert _counts(document, _oracle_figures(figures)) == _oracle_figures(figures)
    assert document["exit_code"] == 1  # unmapped keys remain


def test_dry_run_after_expansion_counts_and_writes_nothing(mapped_url: str) -> None:
    before = table_contents(mapped_url)
    document = backfill(mapped_url)
    human = cli("backfill", "assessments", "--database-url", mapped_url)
    assert table_contents(mapped_url) == before
    assert human.exit_code == 1
    assert _counts(document, EXPECTED_BACKFILL_DRY_MAPPED) == EXPECTED_BACKFILL_DRY_MAPPED
    figures = oracle.backfill(oracle.read_tables(mapped_url)).figures
    assert _counts(document, _oracle_figures(figures)) == _oracle_figures(figures)


def test_commit_before_expansion_exits_3_naming_expand(crafted_legacy_url: str) -> None:
    before = table_contents(crafted_legacy_url)
    result = cli("backfill", "assessments", "--database-url", crafted_legacy_url, "--commit")
    assert result.exit_code == 3
    assert "teameval expand assessments" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    as_json = cli(
        "backfill", "assessments", "--database-url", crafted_legacy_url, "--commit", "--json"
    )
    assert as_json.exit_code == 3
    assert "teameval expand assessments" in as_json.json()["detail"]
    assert table_contents(crafted_legacy_url) == before


def test_commit_writes_exactly_the_oracles_end_state(mapped_url: str) -> None:
    before = oracle.read_tables(mapped_url)
    document = backfill(mapped_url, "--commit")
    assert document["dry_run"] is False
    assert _counts(document, DONE_FIRST) == DONE_FIRST
    assert _counts(document, EXPECTED_BACKFILL_DRY_MAPPED) == {
        **EXPECTED_BACKFILL_DRY_MAPPED,
        "dry_run": False,
        **DONE_FIRST,
    }
    assert document["exit_code"] == 1
    assert end_state(before, mapped_url) == predicted(before)


def test_created_teams_their_members_and_links(mapped_url: str) -> None:
    """The oracle's prediction, checked once more by hand against dataset.py."""
    before = oracle.ids(oracle.read_tables(mapped_url))
    backfill(mapped_url, "--commit")
    after = oracle.read_tables(mapped_url)
    new_teams = [t for t in after["project_teams"] if t["id"] not in before["project_teams"]]
    members: dict[int, set[int]] = {}
    for member in after["project_team_members"]:
        if member["id"] not in before["project_team_members"]:
            assert (member["role"], member["school_id"]) == (
                None,
                1 if member["user_id"] < 30 else 2,
            )
            members.setdefault(member["project_team_id"], set()).add(member["user_id"])
    got = {}
    for team in new_teams:
        assert team["display_name_at_time"] == f"Team {team['team_number']}"
        assert (team["version"], team["backfill_source"]) == (1, "migration")
        got[(team["project_id"], team["team_number"])] = (
            team["school_id"],
            team["team_id"],
            members.get(team["id"], set()),
        )
    assert got == EXPECTED_CREATED_TEAMS
    team_of = {(t["project_id"], t["team_number"]): t["id"] for t in new_teams}
    links = {
        (j["project_assessment_id"], j["team_number"]): (j["project_team_id"], j["source"])
        for j in after["project_assessment_teams"]
    }
    assert links == {
        (1, 1): (1001, "linked"),
        (1, 2): (1002, "linked"),
        (1, 3): (1003, "decision"),  # mapped by hand before
        (2, 4): (team_of[(1, 4)], "created"),
        (3, 4): (team_of[(1, 4)], "created"),
        (4, 5): (1005, "linked"),
        (11, 1): (1001, "linked"),
        (12, 5): (1005, "linked"),
        (20, 1): (2001, "linked"),
        (20, 2): (team_of[(20, 2)], "created"),
    }
    assessments = {
        a["id"]: (a["project_id"], a["project_team_id"]) for a in after["project_assessments"]
    }
    assert assessments[3] == (1, team_of[(1, 4)])
    assert assessments[4] == (1, 1005)  # its project_id was NULL: set from the key's team
    assert assessments[12] == (1, 1005)
    assert assessments[11] == (1, 1002)  # already set: kept, although its key links to 1001
    assert assessments[2] == (None, None)  # three keys: left alone
    assert assessments[7] == (None, None)  # its only key is unmapped


def test_commit_never_changes_a_value_already_set(mapped_url: str) -> None:
    """A score row of a to-link key that already names a team (another one) keeps it."""
    engine = make_engine(mapped_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE project_assessment_scores SET project_team_id = 1002 WHERE id = 26")
        )
    before = oracle.read_tables(mapped_url)
    document = backfill(mapped_url, "--commit")
    assert document["scores_updated"] == DONE_FIRST["scores_updated"] - 1
    after = {
        s["id"]: s["project_team_id"]
        for s in oracle.read_tables(mapped_url)["project_assessment_scores"]
    }
    assert (after[26], after[9]) == (1002, 1003)
    assert end_state(before, mapped_url) == predicted(before)
    engine.dispose()


def test_second_commit_changes_nothing(mapped_url: str) -> None:
    backfill(mapped_url, "--commit")
    before = table_contents(mapped_url)
    again = backfill(mapped_url, "--commit")
    assert table_contents(mapped_url) == before
    assert _counts(again, DONE_ZERO) == DONE_ZERO
    assert (again["to_link"], again["to_create"], again["scores_to_update"]) == (0, 0, 0)
    assert again["assessments_to_link"] == 0
    assert again["team_keys"] == 19
    assert (again["exit_code"], again["unmapped"]) == (1, EXPECTED_AFTER_BACKFILL_ALL["unmapped"])


def test_audit_after_commit_leaves_only_the_unmapped_keys(mapped_url: str) -> None:
    backfill(mapped_url, "--commit")
    result = cli("audit", "assessments", "--database-url", mapped_url, "--json")
    document = result.json()
    figures = {field: document[field] for field in oracle.AUDIT_FIELDS}
    assert (figures, result.exit_code) == (EXPECTED_AFTER_BACKFILL_ALL, 2)
    assert oracle.audit(oracle.read_tables(mapped_url)) == EXPECTED_AFTER_BACKFILL_ALL


def test_human_report_lists_each_reason_with_its_fix(mapped_url: str) -> None:
    result = cli("backfill", "assessments", "--database-url", mapped_url, "--commit")
    assert result.exit_code == 1
    text = " ".join(result.stdout.split())
    for reason in ("cross_school", "no_team_number", "no_project", "ambiguous_project"):
        assert reason in text
    assert "ambiguous_team" in text
    assert "member_conflict" in text
    assert text.count("--decisions") >= 6  # every reason says how to settle it


@pytest.mark.parametrize("batch_size", ["1", "2", "5"])
def test_batch_size_gives_the_same_end_state(mapped_url: str, batch_size: str) -> None:
    before = oracle.read_tables(mapped_url)
    document = backfill(mapped_url, "--commit", "--batch-size", batch_size)
    assert _counts(document, DONE_FIRST) == DONE_FIRST
    assert document["batches"] == document["batches_committed"] > 1
    assert end_state(before, mapped_url) == predicted(before)


@pytest.mark.parametrize(("school", "linked", "created"), [(1, 5, 1), (2, 1, 1)])
def test_school_scope_writes_only_that_schools_keys(
    mapped_url: str, school: int, linked: int, created: int
) -> None:
    before = oracle.read_tables(mapped_url)
    dry = backfill(mapped_url, "--school", str(school))
    expected = _oracle_figures(oracle.backfill(before, school).figures)
    assert _counts(dry, expected) == expected
    document = backfill(mapped_url, "--commit", "--school", str(school))
    assert (document["exit_code"], document.get("failed_batch")) == (1, None)
    assert (document["linked"], document["created"]) == (linked, created)
    assert end_state(before, mapped_url) == predicted(before, school)


def test_failed_batch_exits_2_then_a_rerun_finishes(mapped_url: str) -> None:
    before = oracle.read_tables(mapped_url)
    failed = backfill(mapped_url, "--commit", "--batch-size", "1", env={FAIL_AFTER_ENV: "3"})
    assert failed["exit_code"] == 2
    assert failed["batches_committed"] == 3
    # Batches of one assessment id each: ids 1-3 were written, nothing else.
    assert end_state(before, mapped_url) == oracle.canonical(
        oracle.backfill(before, only={1, 2, 3}).tables, oracle.ids(before)
    )
    again = backfill(mapped_url, "--commit", "--batch-size", "1")
    assert again["exit_code"] == 1
    assert end_state(before, mapped_url) == predicted(before)


def _killed(url: str, after_batches: int) -> subprocess.CompletedProcess[str]:
    args = ["backfill", "assessments", "--commit", "--batch-size", "1", "--database-url", url]
    return run_teameval(*args, env={KILL_AFTER_ENV: str(after_batches)}, timeout=120)


@pytest.mark.parametrize("after_batches", [1, 2, 3])
def test_kill_9_then_rerun_ends_as_an_uninterrupted_run(
    mapped_url: str, after_batches: int
) -> None:
    before = oracle.read_tables(mapped_url)
    killed = _killed(mapped_url, after_batches)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    # The batches before the kill were committed whole (one assessment id each), no more.
    assert end_state(before, mapped_url) == oracle.canonical(
        oracle.backfill(before, only=set(range(1, after_batches + 1))).tables,
        oracle.ids(before),
    )
    again = backfill(mapped_url, "--commit", "--batch-size", "1")
    assert again["exit_code"] == 1
    assert end_state(before, mapped_url) == predicted(before)
    last = backfill(mapped_url, "--commit")
    assert _counts(last, DONE_ZERO) == DONE_ZERO


def test_a_fresh_database_from_scratch(empty_db_url: str) -> None:
    """load → expand → commit in one go, without the hand-mapped key: (1, 3) stays
    ambiguous_team, so 19 score rows are keyed, not 20 (s9 and s10 are not)."""
    load_crafted(empty_db_url)
    expand(empty_db_url)
    before = oracle.read_tables(empty_db_url)
    document = backfill(empty_db_url, "--commit")
    assert _counts(document, DONE_FIRST) == {**DONE_FIRST, "scores_updated": 19}
    assert end_state(before, empty_db_url) == predicted(before)


def test_mapped_fixture_is_what_the_docstring_says(mapped_url: str) -> None:
    """expand_and_map added exactly one junction row and keyed exactly s9."""
    tables = oracle.read_tables(mapped_url)
    assert [
        (j["project_assessment_id"], j["team_number"], j["project_team_id"], j["source"])
        for j in tables["project_assessment_teams"]
    ] == [(1, 3, 1003, "decision")]
    keyed = [s["id"] for s in tables["project_assessment_scores"] if s["project_team_id"]]
    assert keyed == [9]


BOOKKEEPING = ("migration_runs", "audit_logs")


def test_our_own_schema_has_nothing_to_do_and_records_the_run(
    db_url: str, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        build_demo(session)
    before = table_contents(db_url)
    dry = backfill(db_url)
    assert table_contents(db_url) == before
    document = backfill(db_url, "--commit")
    for result in (dry, document):
        assert result["exit_code"] == 0
        assert (result["to_link"], result["to_create"], result["scores_to_update"]) == (0, 0, 0)
        assert _counts(result, DONE_ZERO) == DONE_ZERO
        assert sum(result["unmapped"].values()) == 0
    after = table_contents(db_url)
    assert {table for table in after if after[table] != before[table]} <= set(BOOKKEEPING)
    engine = make_engine(db_url)
    with engine.connect() as connection:
        # The one run this test made (a retired database also holds the retirement's).
        run = connection.execute(
            sa.text("SELECT * FROM migration_runs WHERE tool <> 'legacy.retire'")
        ).one()
    engine.dispose()
    assert "assessments" in run.tool
    # The run's recorded status is the one the report gives (phase 2 says "done").
    assert (run.status, bool(run.dry_run), run.id) == (
        document["status"],
        False,
        document["migration_run_id"],
    )
    assert run.finished_at is not None


def test_a_team_holds_one_key_of_an_assessment(crafted_legacy_url: str) -> None:
    """An earlier decision linked assessment 1's key without a number to team 1001, the team its
    key (1, 1) would link to: that key is ambiguous_team (the junction's unique (assessment,
    team)), and the backfill writes everything else instead of failing its batch."""
    expand(crafted_legacy_url)
    engine = make_engine(crafted_legacy_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO project_assessment_teams (school_id, project_assessment_id, "
                "project_team_id, team_number, source, created_at) "
                "VALUES (1, 1, 1001, NULL, 'decision', CURRENT_TIMESTAMP)"
            )
        )
    engine.dispose()
    audit = cli("audit", "assessments", "--database-url", crafted_legacy_url, "--json").json()
    unmapped = {
        "cross_school": 2,
        "no_team_number": 0,  # mapped now
        "no_project": 1,
        "ambiguous_project": 1,
        "ambiguous_team": 3,  # (1, 1) joins (1, 3) and (2, 3)
        "member_conflict": 3,
    }
    assert (audit["mapped"], audit["to_link"], audit["unmapped"]) == (1, 5, unmapped)
    # (1, 1)'s override of user 3 is no longer counted: its key links nowhere.
    assert audit["anomalies"] == {"duplicate_team_scores": 5, "override_not_member": 0}
    before = oracle.read_tables(crafted_legacy_url)
    document = backfill(crafted_legacy_url, "--commit")
    assert (document["exit_code"], document.get("failed_batch")) == (1, None)
    assert document["linked"] == 5
    assert end_state(before, crafted_legacy_url) == predicted(before)
