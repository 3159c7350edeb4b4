"""`teameval audit enrollments`: exact counts, scope, samples, statuses and exit codes."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from typing import Any

import pytest
import sqlalchemy as sa

from teameval.db import make_engine
from teameval.migration.phase1.audit import (
    AuditStatus,
    EnrollmentAudit,
    audit_enrollments,
    audit_status,
    coverage_percent,
)
from tests.migration.conftest import cli
from tests.migration.dataset import (
    EXPECTED_ALL,
    EXPECTED_CLEAN,
    EXPECTED_SCHOOL_1,
    EXPECTED_SCHOOL_2,
    INACTIVE_PAIRS,
    MISSING_PAIRS,
    load_crafted,
    shaped,
    table_contents,
)


def _subset(document: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    return {key: document[key] for key in expected}


def test_exact_counts_on_every_category_and_anomaly(any_shape_url: str) -> None:
    result = cli("audit", "enrollments", "--database-url", any_shape_url, "--json")
    document = result.json()
    expected = shaped(any_shape_url, EXPECTED_ALL)
    assert _subset(document, expected) == expected
    assert result.exit_code == 2
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("school", "expected"), [("1", EXPECTED_SCHOOL_1), ("2", EXPECTED_SCHOOL_2)]
)
def test_school_limits_the_scope(any_shape_url: str, school: str, expected: dict[str, Any]) -> None:
    document = cli(
        "audit", "enrollments", "--database-url", any_shape_url, "--school", school, "--json"
    ).json()
    expected = shaped(any_shape_url, expected)
    assert _subset(document, expected) == expected
    assert document["school_id"] == int(school)


def test_unknown_school_has_nothing_to_audit(any_shape_url: str) -> None:
    result = cli(
        "audit", "enrollments", "--database-url", any_shape_url, "--school", "99", "--json"
    )
    assert result.json()["unique_pairs"] == 0
    assert result.json()["coverage_percent"] == 100.0
    assert result.exit_code == 0


def test_samples_name_the_student_and_course(any_shape_url: str) -> None:
    document = cli("audit", "enrollments", "--database-url", any_shape_url, "--json").json()
    samples = document["samples"]
    assert {(s["student_id"], s["course_id"]) for s in samples["missing"]} == MISSING_PAIRS
    assert {(s["student_id"], s["course_id"]) for s in samples["inactive"]} == INACTIVE_PAIRS
    anomalies = {(s["student_id"], s["course_id"], s["category"]) for s in samples["anomalies"]}
    assert anomalies == {
        (6, 10, "non_student_member"),
        (7, 11, "non_student_member"),
        (8, 10, "cross_school"),
        (9, 10, "cross_school"),
    }
    bob = next(s for s in samples["missing"] if s["student_id"] == 2)
    assert bob["student_name"] == "Bob Student"
    assert bob["student_email"] == "user2@example.org"
    assert (bob["course_name"], bob["course_code"]) == ("Object Orientation", "OO-4A")


def test_limit_caps_the_samples(any_shape_url: str) -> None:
    document = cli(
        "audit", "enrollments", "--database-url", any_shape_url, "--json", "--limit", "1"
    ).json()
    assert [len(document["samples"][k]) for k in ("missing", "inactive", "anomalies")] == [1, 1, 1]
    assert document["missing"] == 3  # the limit never changes the counts


def test_human_report_is_plain_text_when_piped(any_shape_url: str) -> None:
    result = cli("audit", "enrollments", "--database-url", any_shape_url, "--limit", "5")
    assert result.exit_code == 2
    out = result.stdout
    assert "\x1b[" not in out  # no terminal escape codes in a pipe
    expected = ["FAIL", "42.85 %", "Bob Student", "user2@example.org", "Object Orientation"]
    expected += ["non_student_member", "cross_school", "teameval backfill enrollments"]
    for text in expected:
        assert text in out


def test_audit_writes_nothing(any_shape_url: str) -> None:
    engine = make_engine(any_shape_url)
    with engine.connect() as connection:
        before = table_contents(connection)
    assert cli("audit", "enrollments", "--database-url", any_shape_url).exit_code == 2
    with engine.connect() as connection:
        assert table_contents(connection) == before
    engine.dispose()


def test_clean_database_counts(clean_url: str) -> None:
    document = cli("audit", "enrollments", "--database-url", clean_url, "--json").json()
    expected = shaped(clean_url, EXPECTED_CLEAN)
    assert _subset(document, expected) == expected


def test_public_function_on_a_connection(crafted_url: str) -> None:
    """The signature the roster's invariant tests rely on."""
    engine = make_engine(crafted_url)
    with engine.connect() as connection:
        audit = audit_enrollments(connection, school_id=2, sample_limit=0)
    engine.dispose()
    assert isinstance(audit, EnrollmentAudit)
    assert (audit.missing, audit.enrolled_inactive, audit.status, audit.exit_code) == (
        1,
        0,
        AuditStatus.FAIL,
        2,
    )
    assert audit.to_json()["samples"] == {"missing": [], "inactive": [], "anomalies": []}
    with pytest.raises(dataclasses.FrozenInstanceError):
        audit.missing = 0  # type: ignore[misc]


def test_statement_count_does_not_grow_with_the_data(crafted_url: str) -> None:
    """Set-based: the same number of statements for 12 memberships as for 612."""
    engine = make_engine(crafted_url)

    def statements_of_one_audit() -> int:
        seen: list[str] = []
        with engine.connect() as connection:
            sa.event.listen(
                connection, "before_cursor_execute", lambda *a: seen.append(a[2]), named=False
            )
            audit_enrollments(connection)
        return len(seen)

    small = statements_of_one_audit()
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (id, school_id, email, name, role) "
                "VALUES (:id, 1, :email, 'Bulk', 'student')"
            ),
            [{"id": 1000 + i, "email": f"bulk{i}@example.org"} for i in range(300)],
        )
        connection.execute(
            sa.text(
                "INSERT INTO group_members (school_id, group_id, course_id, user_id, active) "
                "VALUES (1, :group, :course, :user, :active)"
            ),
            [
                {"group": group, "course": course, "user": 1000 + i, "active": True}
                for i in range(300)
                for group, course in ((100, 10), (102, 11))
            ],
        )
    assert statements_of_one_audit() == small
    with engine.connect() as connection:
        assert audit_enrollments(connection).missing == 3 + 600
    engine.dispose()


@pytest.mark.parametrize(
    ("missing", "inactive", "anomalies", "expected"),
    [
        (0, 0, 0, AuditStatus.PASS),
        (0, 0, 3, AuditStatus.WARNING),  # only anomalies remain
        (1, 0, 0, AuditStatus.WARNING),  # 999/1000 = 99.9 % covered, nothing inactive
        (1, 0, 5, AuditStatus.WARNING),
        (11, 0, 0, AuditStatus.FAIL),  # 98.9 %
        (0, 1, 0, AuditStatus.FAIL),  # an inactive enrollment is never a mere warning
    ],
)
def test_status_rules(missing: int, inactive: int, anomalies: int, expected: AuditStatus) -> None:
    eligible = 1000
    coverage = coverage_percent(eligible - missing - inactive, eligible)
    status = audit_status(
        missing=missing, enrolled_inactive=inactive, anomalies=anomalies, coverage=coverage
    )
    assert status == expected


def test_coverage_never_rounds_a_gap_away() -> None:
    assert coverage_percent(0, 0) == 100.0
    assert coverage_percent(99_999, 100_000) == 99.99
    assert coverage_percent(3, 7) == 42.85


def test_exit_code_1_when_only_anomalies_remain(empty_db_url: str) -> None:
    # Enroll every eligible pair: only the anomalies are left.
    enroll_every_eligible_pair = [
        "UPDATE course_enrollments SET active = TRUE",
        "INSERT INTO course_enrollments (course_id, student_id, active) "
        "VALUES (10, 2, TRUE), (11, 3, TRUE), (20, 10, TRUE)",
    ]
    load_crafted(empty_db_url, legacy=True, then=enroll_every_eligible_pair)
    result = cli("audit", "enrollments", "--database-url", empty_db_url, "--json")
    assert (result.json()["status"], result.exit_code) == ("WARNING", 1)


def test_the_pair_rules_behind_the_counts(any_shape_url: str) -> None:
    """Two teams of one course count once; inactive memberships are ignored; archived students
    are still eligible."""
    engine = make_engine(any_shape_url)
    with engine.connect() as connection:
        audit = audit_enrollments(connection, sample_limit=50)
    engine.dispose()
    listed = audit.samples_missing + audit.samples_inactive + audit.samples_anomalies
    students = [sample.student_id for sample in listed]
    assert 3 in [s.student_id for s in audit.samples_missing]  # archived, still missing
    assert 5 not in students  # only an inactive membership
    assert 12 not in students  # inactive membership, even with an active enrollment
    # Student 1 is in teams 100 and 101 of course 10: 12 memberships make 11 pairs (on our
    # schema the second team is inactive: 11 memberships, the same 11 pairs).
    expected = shaped(any_shape_url, {"active_memberships": 12, "unique_pairs": 11})
    assert {"active_memberships": audit.active_memberships, "unique_pairs": audit.unique_pairs} == (
        expected
    )


def test_lean_module_entry_runs_the_same_command(legacy_url: str) -> None:
    command = [
        sys.executable,
        "-m",
        "teameval.migration",
        "audit",
        "enrollments",
        "--json",
        "--database-url",
        legacy_url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert _subset(json.loads(done.stdout), EXPECTED_ALL) == EXPECTED_ALL
