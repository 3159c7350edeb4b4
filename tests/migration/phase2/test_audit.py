"""`teameval audit assessments` on the crafted legacy database (dataset.py): the exact figures
before and after expansion, per school, exit codes 0/1/2/3, samples capped by --limit, nothing
written, and our own schema reporting the finished state. Each expected figure was worked out
by hand (dataset.py) and the oracle (oracle.py) must agree with it."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from teameval.db import make_engine
from teameval.demo import build_demo
from tests.migration.conftest import CliResult, cli
from tests.migration.phase2 import oracle
from tests.migration.phase2.dataset import (
    EXPECTED_ALL,
    EXPECTED_MAPPED_ALL,
    EXPECTED_MAPPED_SCHOOL_1,
    EXPECTED_MAPPED_SCHOOL_2,
    EXPECTED_SCHOOL_1,
    EXPECTED_SCHOOL_2,
    UNMAPPED_NONE,
    load_crafted,
    table_contents,
)

BEFORE = [(None, EXPECTED_ALL), (1, EXPECTED_SCHOOL_1), (2, EXPECTED_SCHOOL_2)]
AFTER = [(None, EXPECTED_MAPPED_ALL), (1, EXPECTED_MAPPED_SCHOOL_1), (2, EXPECTED_MAPPED_SCHOOL_2)]


def audit(url: str, *args: str) -> dict[str, Any]:
    result = cli("audit", "assessments", "--database-url", url, "--json", *args)
    document = result.json()
    assert document["exit_code"] == result.exit_code, result.stderr
    return document


def figures(document: dict[str, Any]) -> dict[str, Any]:
    return {field: document[field] for field in oracle.AUDIT_FIELDS}


def _school_args(school: int | None) -> list[str]:
    return [] if school is None else ["--school", str(school)]


def _execute(url: str, *statements: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(sa.text(statement))
    engine.dispose()


@pytest.mark.parametrize(("school", "expected"), BEFORE)
def test_oracle_agrees_with_the_hand_counts_before_expansion(
    crafted_legacy_url: str, school: int | None, expected: dict[str, Any]
) -> None:
    assert oracle.audit(oracle.read_tables(crafted_legacy_url), school) == expected


@pytest.mark.parametrize(("school", "expected"), AFTER)
def test_oracle_agrees_with_the_hand_counts_after_expansion(
    mapped_url: str, school: int | None, expected: dict[str, Any]
) -> None:
    assert oracle.audit(oracle.read_tables(mapped_url), school) == expected


@pytest.mark.parametrize(("school", "expected"), BEFORE)
def test_exact_counts_before_expansion(
    crafted_legacy_url: str, school: int | None, expected: dict[str, Any]
) -> None:
    document = audit(crafted_legacy_url, *_school_args(school))
    assert figures(document) == expected
    unmapped = sum(document["unmapped"].values())
    assert document["team_keys"] == (
        document["mapped"] + document["to_link"] + document["to_create"] + unmapped
    )


@pytest.mark.parametrize(("school", "expected"), AFTER)
def test_exact_counts_after_expansion_and_one_mapped_key(
    mapped_url: str, school: int | None, expected: dict[str, Any]
) -> None:
    assert figures(audit(mapped_url, *_school_args(school))) == expected


def test_expansion_alone_changes_only_the_expanded_flag(crafted_legacy_url: str) -> None:
    from tests.migration.phase2.dataset import expand

    expand(crafted_legacy_url)
    assert figures(audit(crafted_legacy_url)) == {**EXPECTED_ALL, "expanded": True}


def test_unknown_school_has_nothing_to_audit(crafted_legacy_url: str) -> None:
    document = audit(crafted_legacy_url, "--school", "99")
    assert figures(document) == {
        **EXPECTED_ALL,
        "status": "PASS",
        "exit_code": 0,
        "assessments": 0,
        "score_rows": 0,
        "team_keys": 0,
        "to_link": 0,
        "to_create": 0,
        "unmapped": UNMAPPED_NONE,
        "scores_unmapped": 0,
        "anomalies": {"duplicate_team_scores": 0, "override_not_member": 0},
    }


def _settle_school_2(url: str, *, duplicate: bool) -> None:
    """School 2 finished by hand on the expanded database: group 201 moves to school 1 (so
    assessment 8 leaves school 2's scope), team 2 of project 20 exists, both keys of
    assessment 20 have their junction rows and every score row its team. ``duplicate``
    keeps s33, the second team score of key (20, 2)."""
    _execute(
        url,
        "UPDATE groups SET school_id = 1 WHERE id = 201",
        "INSERT INTO project_teams (id, school_id, project_id, team_id, display_name_at_time, "
        "team_number, version) VALUES (2002, 2, 20, 200, 'Team 2', 2, 1)",
        "INSERT INTO project_team_members (school_id, project_team_id, user_id) "
        "VALUES (2, 2002, 31)",
        "INSERT INTO project_assessment_teams (school_id, project_assessment_id, project_team_id, "
        "team_number, source, created_at) VALUES (2, 20, 2001, 1, 'linked', CURRENT_TIMESTAMP), "
        "(2, 20, 2002, 2, 'created', CURRENT_TIMESTAMP)",
        "UPDATE project_assessment_scores SET project_team_id = 2001 WHERE id IN (30, 32)",
        "UPDATE project_assessment_scores SET project_team_id = 2002 WHERE id IN (31, 33)",
        *([] if duplicate else ["DELETE FROM project_assessment_scores WHERE id = 33"]),
    )


@pytest.mark.parametrize(
    ("duplicate", "status", "exit_code"), [(False, "PASS", 0), (True, "WARNING", 1)]
)
def test_pass_and_warning_exit_codes(
    mapped_url: str, duplicate: bool, status: str, exit_code: int
) -> None:
    _settle_school_2(mapped_url, duplicate=duplicate)
    expected = {
        "status": status,
        "exit_code": exit_code,
        "expanded": True,
        "assessments": 1,
        "score_rows": 3 + duplicate,
        "team_keys": 2,
        "mapped": 2,
        "to_link": 0,
        "to_create": 0,
        "unmapped": UNMAPPED_NONE,
        "scores_mapped": 3 + duplicate,
        "scores_unmapped": 0,
        "anomalies": {"duplicate_team_scores": int(duplicate), "override_not_member": 0},
    }
    assert oracle.audit(oracle.read_tables(mapped_url), 2) == expected
    result = cli("audit", "assessments", "--database-url", mapped_url, "--json", "--school", "2")
    assert (figures(result.json()), result.exit_code) == (expected, exit_code)
    # The whole database still has unmapped keys.
    assert audit(mapped_url)["status"] == "FAIL"


def test_every_key_mapped_but_one_score_row_without_its_team_fails(mapped_url: str) -> None:
    """Every key mapped is not enough: a score row without its team keeps the audit at FAIL."""
    _settle_school_2(mapped_url, duplicate=False)
    _execute(
        mapped_url, "UPDATE project_assessment_scores SET project_team_id = NULL WHERE id = 31"
    )
    document = audit(mapped_url, "--school", "2")
    assert (document["status"], document["scores_unmapped"], document["mapped"]) == ("FAIL", 1, 2)


def _sample_lists(samples: Any) -> list[list[Any]]:
    """Every list in the samples document, however it is nested."""
    if isinstance(samples, list):
        return [samples]
    if isinstance(samples, dict):
        return [found for value in samples.values() for found in _sample_lists(value)]
    return []


def test_limit_caps_the_samples(mapped_url: str) -> None:
    full = audit(mapped_url)["samples"]
    assert isinstance(full, dict)
    assert max(len(samples) for samples in _sample_lists(full)) > 1
    capped = audit(mapped_url, "--limit", "1")["samples"]
    assert set(capped) == set(full)
    assert all(len(samples) <= 1 for samples in _sample_lists(capped))
    assert any(len(samples) == 1 for samples in _sample_lists(capped))


def test_samples_name_the_keys_of_each_state(mapped_url: str) -> None:
    """Each state's samples are its keys (assessment, team number), as the oracle has them:
    all of them when they are fewer than the limit."""
    samples = audit(mapped_url)["samples"]
    keys = oracle.analyse(oracle.read_tables(mapped_url)).keys.values()
    for state in (*oracle.REASONS, "to_link", "to_create"):
        expected = {(k.assessment_id, k.team_number) for k in keys if k.state == state}
        named = {(s["assessment_id"], s["team_number"]) for s in samples.get(state, [])}
        assert named == expected, state


def test_human_report_says_fail_and_names_the_reasons(mapped_url: str) -> None:
    result = cli("audit", "assessments", "--database-url", mapped_url)
    assert result.exit_code == 2
    assert "FAIL" in result.stdout
    for reason in oracle.REASONS:
        assert reason.replace("_", " ") in result.stdout or reason in result.stdout, reason


@pytest.mark.parametrize("stage", ["legacy", "mapped"])
def test_audit_writes_nothing(crafted_legacy_url: str, stage: str) -> None:
    if stage == "mapped":
        from tests.migration.phase2.dataset import expand_and_map

        expand_and_map(crafted_legacy_url)
    before = table_contents(crafted_legacy_url)
    audit(crafted_legacy_url)
    audit(crafted_legacy_url, "--school", "1", "--limit", "1")
    cli("audit", "assessments", "--database-url", crafted_legacy_url)
    assert table_contents(crafted_legacy_url) == before


def test_our_own_schema_reports_the_finished_state(
    db_url: str, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        build_demo(session)
    before = table_contents(db_url)
    result = cli("audit", "assessments", "--database-url", db_url, "--json")
    document = result.json()
    assert (document["status"], document["exit_code"], result.exit_code) == ("PASS", 0, 0)
    assert document["assessments"] > 0  # the demo's assessments are counted, all finished
    assert document["team_keys"] == document["mapped"]
    assert (document["to_link"], document["to_create"], document["scores_unmapped"]) == (0, 0, 0)
    assert document["unmapped"] == UNMAPPED_NONE
    assert table_contents(db_url) == before


def test_our_own_empty_schema_passes(db_url: str) -> None:
    result = cli("audit", "assessments", "--database-url", db_url, "--json")
    assert (result.json()["status"], result.exit_code) == ("PASS", 0)
    assert result.json()["team_keys"] == 0


def _assert_could_not_run(result: CliResult, *words: str) -> None:
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("could not run:")
    assert json.loads(result.stdout) == {
        "type": "/problems/could-not-run",
        "title": "Could not run",
        "status": 503,
        "detail": lines[0].removeprefix("could not run: "),
        "exit_code": 3,
    }
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        ("DROP TABLE project_team_members", "project_team_members"),
        ("ALTER TABLE users DROP COLUMN team_number", "users.team_number"),
        ("DROP TABLE project_assessment_scores", "project_assessment_scores"),
    ],
)
@pytest.mark.parametrize("command", ["audit", "backfill"])
def test_missing_table_or_column_exits_3_naming_it(
    empty_db_url: str, statement: str, named: str, command: str
) -> None:
    load_crafted(empty_db_url, then=[statement])
    result = cli(command, "assessments", "--database-url", empty_db_url, "--json")
    _assert_could_not_run(result, named)
    human = cli(command, "assessments", "--database-url", empty_db_url)
    assert human.exit_code == 3
    assert len(human.stderr.strip().splitlines()) == 1
    assert named in human.stderr
