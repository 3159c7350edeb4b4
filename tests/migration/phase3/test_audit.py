"""`teameval audit access`: the whole JSON document on crafted data of every decision, anomaly
and archived student, on our schema and the legacy shape, whole and per school."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from teameval.db import make_engine
from teameval.migration.phase1.audit import audit_enrollments
from teameval.migration.phase3.audit import audit_access
from tests.migration.conftest import cli
from tests.migration.dataset import table_contents
from tests.migration.phase3.dataset import expected, load_access

pytestmark = pytest.mark.legacy


def _document(url: str, *options: str) -> tuple[int, dict[str, Any]]:
    result = cli("audit", "access", "--database-url", url, "--json", *options)
    assert result.stderr == ""
    document = result.json()
    seconds = document.pop("seconds")
    assert isinstance(seconds, float)
    assert seconds >= 0
    return result.exit_code, document


def test_the_whole_document_on_every_decision(access_url: str, shape: str) -> None:
    exit_code, document = _document(access_url)
    assert document == expected(shape)
    assert exit_code == 2


@pytest.mark.parametrize("school", [1, 2])
def test_school_counts_its_courses_and_phase_1s_anomalies(
    access_url: str, shape: str, school: int
) -> None:
    exit_code, document = _document(access_url, "--school", str(school))
    assert document == expected(shape, school=school)
    assert exit_code == 2


def test_schools_add_up_to_the_whole(access_url: str) -> None:
    whole = _document(access_url)[1]
    parts = [_document(access_url, "--school", school)[1] for school in ("1", "2")]
    for key in ("pairs", "agree", "legacy_only", "enrollment_only"):
        assert whole[key] == sum(part[key] for part in parts), key
    assert whole["by_course"] == sorted(
        parts[0]["by_course"] + parts[1]["by_course"],
        key=lambda c: (-c["legacy_only"], -c["enrollment_only"], c["course_id"]),
    )


def test_an_unknown_school_passes_with_nothing(access_url: str) -> None:
    exit_code, document = _document(access_url, "--school", "99")
    assert (exit_code, document["status"], document["pairs"]) == (0, "PASS", 0)
    assert document["anomalies"] == {"non_student_member": 0, "cross_school": 0}
    assert (document["by_course"], document["samples"]) == (
        [],
        {"legacy_only": [], "enrollment_only": []},
    )


def test_limit_keeps_the_first_samples(access_url: str, shape: str) -> None:
    full = expected(shape)
    document = _document(access_url, "--limit", "1")[1]
    assert document["samples"] == {name: samples[:1] for name, samples in full["samples"].items()}
    assert _document(access_url, "--limit", "0")[1]["samples"] == {
        "legacy_only": [],
        "enrollment_only": [],
    }
    # The figures do not depend on how many samples are shown.
    assert {k: v for k, v in document.items() if k != "samples"} == {
        k: v for k, v in full.items() if k != "samples"
    }


def test_without_an_archived_column_nobody_is_archived(empty_db_url: str) -> None:
    url = load_access(empty_db_url, legacy=True, then=("ALTER TABLE users DROP COLUMN archived",))
    document = _document(url)[1]
    full = expected("legacy")
    assert document["archived_column"] is False
    assert document["archived"] == {"agree": 0, "legacy_only": 0, "enrollment_only": 0}
    # Each archived student's pair joins its decision: (15,11) agree, (3,11) legacy only,
    # (14,13) enrollment only, and course 13 now has a pair.
    assert (document["agree"], document["legacy_only"], document["enrollment_only"]) == (
        full["agree"] + 1,
        full["legacy_only"] + 1,
        full["enrollment_only"] + 1,
    )
    by_course = {c["course_id"]: c for c in document["by_course"]}
    assert by_course[11] == {**by_course[11], "agree": 2, "legacy_only": 2}
    assert by_course[13] == {
        "course_id": 13,
        "code": "ARC-1",
        "agree": 0,
        "legacy_only": 0,
        "enrollment_only": 1,
    }
    assert [s["student_id"] for s in document["samples"]["legacy_only"]] == [2, 3, 4, 10, 17]


def test_the_backfill_closes_what_would_be_lost(access_url: str, shape: str) -> None:
    """Phase 1's backfill enrolls exactly the eligible pairs this audit finds legacy-only (the
    archived student's too): afterwards nobody loses access, exit 0, nothing else moved."""
    assert cli("backfill", "enrollments", "--database-url", access_url, "--commit").exit_code == 0
    exit_code, document = _document(access_url)
    before = expected(shape)
    assert exit_code == 0
    assert document["status"] == "PASS"
    assert (document["agree"], document["legacy_only"], document["enrollment_only"]) == (
        before["agree"] + before["legacy_only"],
        0,
        before["enrollment_only"],
    )
    assert document["archived"] == {"agree": 2, "legacy_only": 0, "enrollment_only": 1}
    assert document["samples"]["legacy_only"] == []
    assert document["samples"]["enrollment_only"] == before["samples"]["enrollment_only"]


def test_it_never_writes(access_url: str) -> None:
    engine = make_engine(access_url)
    with engine.connect() as connection:
        before = table_contents(connection)
    for options in ((), ("--json",), ("--school", "1"), ("--limit", "0")):
        cli("audit", "access", "--database-url", access_url, *options)
    with engine.connect() as connection:
        assert table_contents(connection) == before
    engine.dispose()


def test_the_function_answers_what_the_command_prints(access_url: str, shape: str) -> None:
    engine = make_engine(access_url)
    with engine.connect() as connection:
        result = audit_access(connection, school_id=1, sample_limit=2)
    engine.dispose()
    document = result.to_json()
    document.pop("seconds")
    full = expected(shape, school=1)
    assert document == {
        **full,
        "samples": {name: samples[:2] for name, samples in full["samples"].items()},
    }
    assert (result.pairs, result.agree, result.legacy_only, result.enrollment_only) == (
        9,
        3,
        3,
        3,
    )
    assert (result.status, result.exit_code) == ("FAIL", 2)


@pytest.mark.parametrize("school", [None, 1, 2])
def test_legacy_decisions_are_phase_1s_eligible_pairs(access_url: str, school: int | None) -> None:
    """The same definition: what the legacy way lets in is what phase 1 calls eligible, its
    agreement phase 1's active enrollments, its anomalies phase 1's, in every scope."""
    engine = make_engine(access_url)
    with engine.connect() as connection:
        access = audit_access(connection, school_id=school)
        enrollments = audit_enrollments(connection, school_id=school)
    engine.dispose()
    archived = access.archived
    assert access.agree + archived.agree == enrollments.enrolled_active
    assert (
        access.legacy_only + archived.legacy_only
        == enrollments.missing + enrollments.enrolled_inactive
    )
    assert (access.non_student_member, access.cross_school) == (
        enrollments.non_student_member,
        enrollments.cross_school,
    )


def test_integer_flags_of_a_legacy_database(empty_db_url: str) -> None:
    """A legacy database that keeps its flags as integers answers the same."""
    url = load_access(empty_db_url, legacy=True)
    engine = make_engine(url)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        pytest.skip("SQLite stores booleans as integers already")
    with engine.begin() as connection:
        for table, column in (
            ("users", "archived"),
            ("group_members", "active"),
            ("course_enrollments", "active"),
        ):
            connection.execute(sa.text(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT"))
            connection.execute(
                sa.text(
                    f"ALTER TABLE {table} ALTER COLUMN {column} TYPE smallint "
                    f"USING CASE WHEN {column} THEN 1 ELSE 0 END"
                )
            )
    engine.dispose()
    assert _document(url)[1] == expected("legacy")
