"""``teameval migration status`` on a legacy-shaped database, stage by stage through the
runbook, each stage reached by the real commands: the whole JSON document at each, and the
next command it names is the one that moves the database on."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from teameval.config import Settings
from teameval.roster.legacy.watch.counts import utc_today
from tests.migration.conftest import cli
from tests.migration.status.dataset import load_legacy_school
from tests.migration.status.expected import (
    ON,
    access,
    document,
    gate,
    legacy_phase45,
    legacy_state,
    phase,
    phase1,
    phase2_legacy,
    phase6,
)

PHASE3 = "Access reads enrollments, proven first"


def status(url: str, *options: str) -> dict[str, Any]:
    result = cli("migration", "status", "--database-url", url, "--json", *options, env=ON)
    assert (result.exit_code, result.stderr) == (0, "")
    return result.json()


def run(url: str, *command: str) -> None:
    result = cli(*command, "--database-url", url, env=ON)
    assert result.exit_code == 0, (result.stdout, result.stderr)


def _expected(
    url: str, *, enrolled: bool, expanded: bool, mapped: bool, contracted: bool
) -> dict[str, Any]:
    access_gate, shadow_gate, figures = access(pairs=2, agree=2 if enrolled else 1, shadow=None)
    phase3 = phase(
        "3",
        PHASE3,
        "done" if enrolled else "open",
        [access_gate, shadow_gate],
        {"access_audit": figures},
    )
    phases = [
        phase1(pairs=2, active=2 if enrolled else 1, missing=0 if enrolled else 1, memberships=2),
        phase2_legacy(
            expanded=expanded,
            contracted=contracted,
            mapped=1 if mapped else 0,
            to_link=0 if mapped else 1,
        ),
        phase3,
        legacy_phase45(),
        phase6(url, legacy_state()),
    ]
    return document(phases, shape="legacy", today=utc_today().isoformat())


def _retired(phase_number: str, title: str) -> dict[str, Any]:
    gone = "the legacy tables are gone (no retirement recorded in this database)"
    return phase(
        phase_number,
        title,
        "done",
        [gate("retired", "Legacy tables retired", True, gone)],
        {},
        gone,
    )


def test_each_stage_in_full_and_the_next_command_moves_it_on(
    empty_db_url: str, tmp_path: Path
) -> None:
    url = load_legacy_school(empty_db_url)
    stages = [
        # (state of the database, the next command the status must name)
        ({}, "teameval backfill enrollments --commit"),
        ({"enrolled": True}, "teameval expand assessments --commit"),
        ({"enrolled": True, "expanded": True}, "teameval backfill assessments --commit"),
        (
            {"enrolled": True, "expanded": True, "mapped": True},
            "teameval contract assessments --commit",
        ),
        (
            {"enrolled": True, "expanded": True, "mapped": True, "contracted": True},
            "teameval legacy retire --commit",
        ),
    ]
    for facts, next_command in stages:
        flags = {"enrolled": False, "expanded": False, "mapped": False, "contracted": False}
        expected = _expected(url, **{**flags, **facts})
        assert status(url) == expected
        assert expected["next_command"] == next_command
        # The status names it; running it is what reaches the next stage.
        command = next_command.removeprefix("teameval ").split()
        if command[:2] == ["legacy", "retire"]:
            command += ["--archive", str(tmp_path / "legacy.zip")]  # not in the working dir
        run(url, *command)
    # Retired: the legacy platform's database has no legacy_state to record it in; the legacy
    # tables being gone says it.
    gone = "the legacy tables are gone (no retirement recorded in this database)"
    retired = [
        _retired("1", "Enrollments are the source of truth"),
        _retired("2", "Assessments keyed by project team"),
        _retired("3", PHASE3),
        _retired("4-5", "The legacy API deprecated, counted and quiet"),
        phase(
            "6",
            "Legacy tables retired, restorably",
            "done",
            [gate("retired", "Legacy tables retired", True, gone)],
            legacy_state(),
            "to roll back: teameval legacy restore ARCHIVE --commit",
        ),
    ]
    expected = document(retired, shape="legacy", today=utc_today().isoformat(), mode="retired")
    assert status(url) == expected
    assert (expected["status"], expected["next_command"]) == ("complete", None)


def test_scoped_to_a_school_the_commands_carry_it(empty_db_url: str) -> None:
    url = load_legacy_school(empty_db_url)
    document = status(url, "--school", "1")
    assert document["school_id"] == 1
    phases = {phase["phase"]: phase for phase in document["phases"]}
    assert phases["1"]["command"] == "teameval backfill enrollments --school 1 --commit"
    assert phases["3"]["command"] == "teameval audit access --school 1"
    # Schema steps and the retirement are the whole database's: no --school.
    assert phases["2"]["command"] == "teameval expand assessments --commit"
    assert document["next_command"] == "teameval backfill enrollments --school 1 --commit"
    # Another school's scope: nothing of school 1 counted.
    other = {p["phase"]: p for p in status(url, "--school", "2")["phases"]}
    assert other["1"]["figures"]["eligible_pairs"] == 0
    assert other["1"]["state"] == "done"


def test_a_legacy_database_with_the_roster_tables_only(empty_db_url: str) -> None:
    """Phase 2 cannot apply without assessments; the report says so and goes on."""
    from tests.migration.dataset import load_crafted

    url = load_crafted(empty_db_url, legacy=True, anomalies=False)
    phases = {phase["phase"]: phase for phase in status(url)["phases"]}
    assert phases["2"] == phase(
        "2",
        "Assessments keyed by project team",
        "not_applicable",
        [],
        {},
        "no project_assessments table: this database holds no assessments",
    )
    assert phases["1"]["state"] == "open"
    assert phases["4-5"]["state"] == "not_applicable"


def test_each_audit_reads_the_database_once_per_status(
    empty_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --school phase 6's gates are the audits phases 1 and 3 just ran: the status
    reuses their results (same figures) instead of reading every membership again; scoped to a
    school, the gates still measure the whole database."""
    import sqlalchemy as sa

    from teameval.db import make_engine
    from teameval.migration.phase1 import audit as phase1_audit
    from teameval.migration.phase3 import audit as phase3_audit
    from teameval.migration.status.service import migration_status

    url = load_legacy_school(empty_db_url)
    calls: list[tuple[str, int | None]] = []

    def counted(name: str, audit: Any) -> Any:
        def wrapper(connection: sa.Connection, **options: Any) -> Any:
            calls.append((name, options.get("school_id")))
            return audit(connection, **options)

        return wrapper

    monkeypatch.setattr(
        phase1_audit, "audit_enrollments", counted("phase1", phase1_audit.audit_enrollments)
    )
    monkeypatch.setattr(phase3_audit, "audit_access", counted("access", phase3_audit.audit_access))
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            whole = migration_status(connection, settings=Settings(legacy_groups="dual-write"))
            assert Counter(calls) == Counter([("access", None), ("phase1", None)])
            calls.clear()
            migration_status(connection, school_id=1, settings=Settings(legacy_groups="dual-write"))
            # The scoped audits for phases 1 and 3, the whole database's for the gates.
            assert Counter(calls) == Counter(
                [("access", 1), ("phase1", 1), ("access", None), ("phase1", None)]
            )
    finally:
        engine.dispose()
    gates = {g.name: g for p in whole.phases for g in p.gates}
    # The reused results are the ones the gates report: phase 1's figures name the same pairs.
    assert gates["phase1_audit"].passed is False
    assert gates["access_audit"].figure.startswith("FAIL: 2 pairs, 1 would lose access")
