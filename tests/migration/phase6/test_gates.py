"""Each gate of `teameval legacy retire --commit` refuses on its own, through the real command
on both engines: exit 2, the gate named, no archive written, every table's rows and the schema
unchanged.

The access gate cannot fail on its own: on a database that holds still, phase 1's PASS already
proves that nobody loses access (docs/migration.md, "Phase 6"). Its test gives it a database
where the access audit fails and checks that the gate reports the audit's own figure, beside
phase 1's gate failing too."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from teameval.db import make_engine
from tests.migration.phase2.test_contract import build
from tests.migration.phase6.support import (
    contents,
    enroll_legacy_students,
    retire,
    run,
    schema,
)


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


GATE_CASES = {
    "phase1_audit": "teacher_member",
    "shadow_quiet": "INSERT INTO access_shadow_counts (school_id, course_id, day, decisions, "
    "legacy_only, enrollment_only) SELECT school_id, id, '{day}', 1, 1, 0 FROM courses "
    "WHERE code = 'OO-4A'",
    "usage_quiet": "INSERT INTO legacy_usage_counts (school_id, day, route, kind, count) "
    "SELECT id, '{day}', 'GET /api/v1/courses/{{course_id}}/groups', 'call', 1 FROM schools",
    "legacy_mode_off": None,
}


def refused(url: str, archive: Path, *failing: str) -> dict[str, dict[str, object]]:
    """Retire with --commit: refused naming exactly ``failing``, nothing changed. The gates."""
    before, schema_before = contents(url), schema(url)
    result = retire(url, archive, "--commit")
    document = result.json()
    assert (result.exit_code, document["status"]) == (2, "refused"), document
    assert document["failing_gates"] == list(failing)
    for gate in failing:
        assert gate in result.stdout
    human = run("legacy", "retire", "--commit", "--archive", str(archive), "--database-url", url)
    assert human.exit_code == 2
    assert f"Refused (exit 2): {', '.join(failing)}. Nothing was changed." in human.stdout
    assert not archive.exists()
    assert contents(url) == before
    assert schema(url) == schema_before
    return {gate["name"]: gate for gate in document["gates"]}


@pytest.mark.parametrize("gate", sorted(GATE_CASES))
def test_each_gate_refuses_on_its_own(ours_url: str, tmp_path: Path, gate: str) -> None:
    url = ours_url
    if gate != "legacy_mode_off":
        assert run("legacy", "mode", "off", "--commit", "--database-url", url).exit_code == 0
    case = GATE_CASES[gate]
    engine = make_engine(url)
    with engine.begin() as connection:
        if case == "teacher_member":  # an anomaly: phase 1 says WARNING, nobody loses access
            connection.execute(
                sa.text(
                    "INSERT INTO group_members (school_id, group_id, course_id, user_id, active) "
                    "SELECT g.school_id, g.id, g.course_id, u.id, true FROM groups g, users u "
                    "WHERE g.team_number = 2 AND u.email = 'teacher@north.example.org'"
                )
            )
        elif case is not None:
            connection.execute(sa.text(case.format(day=_today())))
    engine.dispose()
    refused(url, tmp_path / "legacy.zip", gate)


def test_the_access_gate_reports_the_access_audit(ours_url: str, tmp_path: Path) -> None:
    url = ours_url
    assert run("legacy", "mode", "off", "--commit", "--database-url", url).exit_code == 0
    engine = make_engine(url)
    with engine.begin() as connection:
        # A student in team 2 of OO-4A, never enrolled: access on enrollments would lock them
        # out (and phase 1 counts their membership as missing its enrollment).
        connection.execute(
            sa.text(
                "INSERT INTO users (school_id, email, name, role, archived) SELECT school_id, "
                "'lost@north.example.org', 'Lost', 'student', false FROM users "
                "WHERE email = 'teacher@north.example.org'"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO group_members (school_id, group_id, course_id, user_id, active) "
                "SELECT g.school_id, g.id, g.course_id, u.id, true FROM groups g, users u "
                "WHERE g.team_number = 2 AND u.email = 'lost@north.example.org'"
            )
        )
    engine.dispose()
    audit = run("audit", "access", "--database-url", url, "--json")
    assert audit.exit_code == 2
    figures = audit.json()
    assert (figures["legacy_only"], figures["status"]) == (1, "FAIL")
    gates = refused(url, tmp_path / "legacy.zip", "phase1_audit", "access_audit")
    assert gates["access_audit"]["figure"] == (
        f"FAIL: {figures['pairs']} pairs, 1 would lose access, "
        f"{figures['enrollment_only']} would gain it"
    )
    assert gates["access_audit"]["command"] == "teameval audit access"


@pytest.mark.parametrize(
    ("expanded", "figure", "command"),
    [
        (False, "not expanded", "teameval expand assessments"),
        (True, "expanded, not contracted", "teameval contract assessments"),
    ],
)
def test_the_phase2_gate_refuses_a_legacy_database_not_contracted(
    empty_db_url: str, tmp_path: Path, expanded: bool, figure: str, command: str
) -> None:
    url = build(empty_db_url, expand=expanded, mapped=expanded)
    enroll_legacy_students(url)  # phase 1 passes, nobody loses access
    gates = refused(url, tmp_path / "legacy.zip", "phase2_contracted")
    assert (gates["phase2_contracted"]["figure"], gates["phase2_contracted"]["command"]) == (
        figure,
        command,
    )
    assert {name: gate["passed"] for name, gate in gates.items()} == {
        "phase1_audit": True,
        "phase2_contracted": False,
        "access_audit": True,
        "shadow_quiet": None,
        "usage_quiet": None,
        "legacy_mode_off": None,
    }
