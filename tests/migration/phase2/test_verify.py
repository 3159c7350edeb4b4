"""`teameval verify assessments` (issue 12, command 5) on both engines: the dual read passes on a
correctly keyed database with exact counts, catches planted mismatches, never writes, and
refuses (exit 3) before expansion. Counts and values: tests/migration/phase2/scores_fixture.py."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from teameval.db import make_engine
from teameval.migration.phase2.verify import verify_assessments
from teameval.migration.phase2.weighted import ScoreRow, exact, weighted_score
from tests.migration.conftest import cli
from tests.migration.phase2.dataset import expand_and_map, load_crafted
from tests.migration.phase2.scores_fixture import build, execute, table_contents

PASS_ALL = {
    "status": "PASS",
    "exit_code": 0,
    "school_id": None,
    "shape": "legacy",
    "keys_checked": 4,
    "students_checked": 7,
    "mismatches": 0,
    "unmapped_keys": 2,
    "samples": [],
}


@pytest.fixture
def keyed_url(empty_db_url: str) -> str:
    return build(empty_db_url)


def verify(url: str, *options: str) -> tuple[int, dict[str, Any]]:
    result = cli("verify", "assessments", "--database-url", url, "--json", *options)
    return result.exit_code, result.json()


def test_passes_on_a_correctly_keyed_database(keyed_url: str) -> None:
    before = table_contents(keyed_url)
    assert verify(keyed_url) == (0, PASS_ALL)
    assert table_contents(keyed_url) == before  # read-only


@pytest.mark.parametrize(
    ("school", "keys", "students", "unmapped"), [("1", 3, 6, 2), ("2", 1, 1, 0)]
)
def test_school_scope(keyed_url: str, school: str, keys: int, students: int, unmapped: int) -> None:
    code, document = verify(keyed_url, "--school", school)
    assert code == 0
    assert document == {
        **PASS_ALL,
        "school_id": int(school),
        "keys_checked": keys,
        "students_checked": students,
        "unmapped_keys": unmapped,
    }


def test_batches_do_not_change_the_result(keyed_url: str) -> None:
    # One assessment per batch: every key, student and unmapped key is still counted once.
    engine = make_engine(keyed_url)
    with engine.connect() as connection:
        for batch_size in (1, 2, 0):
            result = verify_assessments(connection, batch_size=batch_size)
            assert result.to_json() == PASS_ALL
    engine.dispose()


def test_catches_a_row_keyed_to_another_team(keyed_url: str) -> None:
    # Row 8, the c2 team score (4) of key (1, 2), now carries key (1, 1)'s team 11: the new path
    # of team 11 uses it (higher id than row 2), the new path of team 12 has no c2 at all.
    execute(keyed_url, "UPDATE project_assessment_scores SET project_team_id = 11 WHERE id = 8")
    before = table_contents(keyed_url)
    code, document = verify(keyed_url)
    assert code == 2
    key_1 = {"assessment_id": 1, "team_number": 1, "project_team_id": 11}
    key_2 = {"assessment_id": 1, "team_number": 2, "project_team_id": 12}
    no_row = {"score_id": None}
    assert document == {
        **PASS_ALL,
        "status": "FAIL",
        "exit_code": 2,
        "mismatches": 5,
        "samples": [
            {
                **key_1,
                "kind": "row_of_other_key",
                "student_id": None,
                "legacy": 12,
                "new": 11,
                "score_id": 8,
            },
            # Student 1 has an override of c2: the team score does not reach them.
            {
                **key_1,
                **no_row,
                "kind": "score",
                "student_id": 2,
                "legacy": "163/36",
                "new": "41/9",
            },
            {**key_2, **no_row, "kind": "score", "student_id": 3, "legacy": "49/16", "new": "3"},
            {**key_2, **no_row, "kind": "score", "student_id": 4, "legacy": "49/16", "new": "3"},
            {**key_2, **no_row, "kind": "score", "student_id": 6, "legacy": "79/16", "new": "5"},
        ],
    }
    assert table_contents(keyed_url) == before


def test_catches_an_override_missing_from_the_new_path(keyed_url: str) -> None:
    # Row 6, student 1's c2 override (5, winning over row 4's 2), lost its team: the legacy
    # path still reads 5, the new path falls back to row 4.
    execute(keyed_url, "UPDATE project_assessment_scores SET project_team_id = NULL WHERE id = 6")
    code, document = verify(keyed_url)
    assert code == 2
    key_1 = {"assessment_id": 1, "team_number": 1, "project_team_id": 11}
    assert (document["mismatches"], document["students_checked"]) == (2, 7)
    assert document["samples"] == [
        {
            **key_1,
            "kind": "row_not_keyed",
            "student_id": 1,
            "legacy": 11,
            "new": None,
            "score_id": 6,
        },
        {
            **key_1,
            "kind": "score",
            "student_id": 1,
            "legacy": "55/12",
            "new": "9/2",
            "score_id": None,
        },
    ]


def test_an_override_on_the_wrong_key_counts_its_student_on_both_keys(keyed_url: str) -> None:
    # A new override of student 1 on key (1, 2) keyed to team 11: team 11's new path gives
    # student 1 a c1 of 1, and key (1, 2) gains student 1, whose c1 differs there too.
    execute(
        keyed_url,
        "INSERT INTO project_assessment_scores (id, school_id, assessment_id, criterion_id, "
        "team_number, student_id, score, project_team_id) VALUES (30, 1, 1, 1, 2, 1, 1, 11)",
    )
    code, document = verify(keyed_url)
    assert code == 2
    assert (document["mismatches"], document["students_checked"]) == (3, 8)
    kinds = [(s["kind"], s["project_team_id"], s["student_id"]) for s in document["samples"]]
    assert kinds == [("row_of_other_key", 11, 1), ("score", 11, 1), ("score", 12, 1)]


def test_limit_caps_the_samples_not_the_count(keyed_url: str) -> None:
    execute(keyed_url, "UPDATE project_assessment_scores SET project_team_id = 11 WHERE id = 8")
    code, document = verify(keyed_url, "--limit", "1")
    assert (code, document["mismatches"], len(document["samples"])) == (2, 5, 1)


def test_every_row_of_a_key_must_carry_its_team(keyed_url: str) -> None:
    # Just expanded and linked, not backfilled yet: the rows carry no team. Same scores both
    # ways would be no proof; every row of every mapped key is a mismatch (15 rows), and every
    # student of them (7) has no score at all through the new path.
    execute(keyed_url, "UPDATE project_assessment_scores SET project_team_id = NULL")
    code, document = verify(keyed_url, "--limit", "100")
    assert code == 2
    assert document["mismatches"] == 15 + 7
    kinds = [(s["kind"], s["new"]) for s in document["samples"]]
    assert kinds.count(("row_not_keyed", None)) == 15
    assert kinds.count(("score", None)) == 7


def test_human_report(keyed_url: str) -> None:
    execute(keyed_url, "UPDATE project_assessment_scores SET project_team_id = 11 WHERE id = 8")
    result = cli("verify", "assessments", "--database-url", keyed_url)
    assert result.exit_code == 2
    assert "FAIL" in result.stdout
    assert "row_of_other_key" in result.stdout
    assert "163/36" in result.stdout
    assert "do not contract" in result.stdout


def test_refuses_before_expansion(empty_db_url: str) -> None:
    url = build(empty_db_url, expanded=False)
    result = cli("verify", "assessments", "--database-url", url)
    assert result.exit_code == 3
    assert "teameval expand assessments --commit" in result.stderr
    as_json = cli("verify", "assessments", "--database-url", url, "--json")
    assert as_json.exit_code == 3
    assert as_json.json()["exit_code"] == 3  # one problem document, nothing else


def test_our_schema_has_nothing_to_verify(db_url: str) -> None:
    code, document = verify(db_url)
    assert (code, document) == (
        0,
        {
            **PASS_ALL,
            "shape": "ours",
            "keys_checked": 0,
            "students_checked": 0,
            "unmapped_keys": 0,
        },
    )


def test_on_the_crafted_database_with_the_real_backfill(empty_db_url: str) -> None:
    """The phase 2 crafted database (tests/migration/phase2/dataset.py): with key (1, 3) mapped
    by hand, its override s10 has no team yet: a mismatch. After the real backfill every mapped
    key agrees, and the keys left unmapped are the audit's ``team_keys - mapped``, per scope."""
    url = expand_and_map(load_crafted(empty_db_url))
    code, document = verify(url)
    assert (code, document["keys_checked"]) == (2, 1)
    assert {(s["kind"], s["score_id"]) for s in document["samples"]} >= {("row_not_keyed", 10)}
    backfill = cli("backfill", "assessments", "--commit", "--database-url", url, "--json")
    assert backfill.exit_code == 1  # done; the unmapped keys remain
    for scope in ((), ("--school", "1"), ("--school", "2")):
        audit = cli("audit", "assessments", "--database-url", url, "--json", *scope).json()
        code, document = verify(url, *scope)
        assert (code, document["mismatches"]) == (0, 0)
        assert document["keys_checked"] == audit["mapped"]
        assert document["unmapped_keys"] == audit["team_keys"] - audit["mapped"]


# --- the weighted score itself (no database) ----------------------------------------------


def test_numbers_are_read_exactly() -> None:
    assert exact("0.1") == Decimal("0.1") == Fraction(1, 10)
    assert exact("1.500") == Fraction(3, 2)
    assert exact("1.0e+20") == 10**20
    assert exact(None) is None


def test_weighted_score_override_wins_and_highest_id_breaks_ties() -> None:
    rows = [
        ScoreRow(1, 1, None, "3", "1.5"),
        ScoreRow(5, 1, None, "4", "1.5"),  # the later team score wins over row 1
        ScoreRow(2, 2, None, "3", "0.1"),
        ScoreRow(4, 2, 1, "2", "0.1"),
        ScoreRow(6, 2, 1, "5", "0.1"),  # student 1's later override wins over row 4
        ScoreRow(3, 3, None, "5", "2"),
        ScoreRow(7, 3, 9, "1", "2"),  # another student's override: not student 1's
    ]
    assert weighted_score(rows, 1) == Fraction(55, 12)  # (6 + 0.5 + 10) / 3.6
    assert weighted_score(rows, 2) == Fraction(163, 36)  # (6 + 0.3 + 10) / 3.6
    assert weighted_score([], 1) is None
    assert weighted_score([ScoreRow(1, 1, None, None, "1")], 1) is None
