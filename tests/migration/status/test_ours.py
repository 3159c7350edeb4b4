"""``teameval migration status`` on teameval's own schema: a fresh database in full; the shadow
and usage counts of the last N days (rows of today, of day N-1 and of day N, which is out);
switching legacy groups off and retiring, through the real commands."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import AccessShadowCount, LegacyUsageCount
from teameval.roster.legacy.watch.counts import utc_today
from tests.factories import make_course, make_school
from tests.migration.conftest import cli
from tests.migration.status.expected import (
    ON,
    access,
    document,
    gate,
    legacy_state,
    phase,
    phase1,
    phase6,
)

# Retired databases (the suite's retired pass) have no "fresh" state to show: the pass skips it.
pytestmark = pytest.mark.legacy

PHASE3 = "Access reads enrollments, proven first"
PHASE45 = "The legacy API deprecated, counted and quiet"
OURS_PHASE2 = phase(
    "2",
    "Assessments keyed by project team",
    "done",
    [
        gate(
            "phase2_contracted",
            "Phase 2 contracted",
            True,
            "contracted",
            "teameval's schema keys assessments by project team from the start",
        )
    ],
    {
        "shape": "ours",
        "expanded": True,
        "contracted": True,
        "status": "PASS",
        "assessments": 0,
        "score_rows": 0,
        "team_keys": 0,
        "mapped": 0,
        "to_link": 0,
        "to_create": 0,
        "unmapped": {
            "cross_school": 0,
            "no_team_number": 0,
            "no_project": 0,
            "ambiguous_project": 0,
            "ambiguous_team": 0,
            "member_conflict": 0,
        },
        "scores_mapped": 0,
        "scores_unmapped": 0,
        "anomalies": {"duplicate_team_scores": 0, "override_not_member": 0},
    },
)


def status(url: str, *options: str) -> dict[str, Any]:
    result = cli("migration", "status", "--database-url", url, "--json", *options, env=ON)
    assert (result.exit_code, result.stderr) == (0, "")
    return result.json()


def _empty_shadow(days: int = 30) -> dict[str, Any]:
    today = utc_today()
    return {
        "days": days,
        "from": (today - timedelta(days=days - 1)).isoformat(),
        "to": today.isoformat(),
        "school_id": None,
        "decisions": 0,
        "legacy_only": 0,
        "enrollment_only": 0,
        "disagreements": 0,
        "by_course": [],
        "disagreements_by_day": [],
    }


def _usage(days: int = 30, **changes: Any) -> dict[str, Any]:
    today = utc_today()
    return {
        "days": days,
        "from": (today - timedelta(days=days - 1)).isoformat(),
        "to": today.isoformat(),
        "school_id": None,
        "calls": 0,
        "reads": 0,
        "last_call_day": None,
        "last_read_day": None,
        "rows": [],
        **changes,
    }


def _phase3(shadow: dict[str, Any]) -> dict[str, Any]:
    access_gate, shadow_gate, figures = access(pairs=0, agree=0, shadow=shadow)
    state = "done" if shadow["disagreements"] == 0 else "open"
    return phase(
        "3", PHASE3, state, [access_gate, shadow_gate], {"access_audit": figures, "shadow": shadow}
    )


def _phase45(
    usage: dict[str, Any], mode: str = "dual-write", source: str = "configuration"
) -> dict[str, Any]:
    days = usage["days"]
    last = usage["last_call_day"] or "no day counted"
    off = mode == "off"
    return phase(
        "4-5",
        PHASE45,
        "open" if usage["calls"] or not off else "done",
        [
            gate(
                "usage_quiet",
                "No legacy route calls",
                usage["calls"] == 0,
                f"{usage['calls']} calls of legacy routes over the last {days} days",
                f"last call on {last}; {usage['reads']} reads of legacy data by other routes "
                "and commands",
                f"teameval legacy usage --days {days}",
            ),
            gate(
                "legacy_mode_off",
                "Legacy groups switched off",
                off,
                f"legacy mode {mode}",
                f"set by {source}" + ("" if off else "; legacy team routes answer 410 once off"),
                "teameval legacy mode off --commit",
            ),
        ],
        {"legacy_mode": mode, "usage": usage},
    )


def test_a_fresh_database_in_full(db_url: str) -> None:
    state = legacy_state(tracked=True)
    expected = document(
        [
            phase1(pairs=0, active=0, missing=0, memberships=0),
            OURS_PHASE2,
            _phase3(_empty_shadow()),
            _phase45(_usage()),
            phase6(db_url, state),
        ],
        shape="ours",
        today=utc_today().isoformat(),
    )
    assert status(db_url) == expected
    # Only the legacy mode is left before retiring.
    assert expected["next_command"] == "teameval legacy mode off --commit"


def _counted(factory: sessionmaker[Session], days: int) -> tuple[int, int]:
    """A course with shadow and usage rows today, on the window's first day and the day before
    it (outside); returns (school id, course id)."""
    today = utc_today()
    first, outside = today - timedelta(days=days - 1), today - timedelta(days=days)
    with factory.begin() as session:
        school = make_school(session, "north")
        course = make_course(session, school, "OO-4A")
        session.flush()
        for day, decisions, legacy_only, enrollment_only in (
            (today, 10, 0, 0),
            (first, 5, 1, 2),
            (outside, 7, 3, 0),
        ):
            session.add(
                AccessShadowCount(
                    school_id=school.id,
                    course_id=course.id,
                    day=day,
                    decisions=decisions,
                    legacy_only=legacy_only,
                    enrollment_only=enrollment_only,
                )
            )
        for day, route, kind, count in (
            (today, "GET /api/v1/courses/{course_id}/groups", "read", 4),
            (first, "GET /api/v1/courses/{course_id}/groups", "call", 2),
            (outside, "GET /api/v1/courses/{course_id}/groups", "call", 9),
            (outside, "GET /api/v1/students", "read", 1),
        ):
            session.add(
                LegacyUsageCount(school_id=school.id, day=day, route=route, kind=kind, count=count)
            )
        return school.id, course.id


def test_shadow_and_usage_count_the_last_n_days_only(
    db_url: str, session_factory: sessionmaker[Session]
) -> None:
    days = 7
    school_id, course_id = _counted(session_factory, days)
    today = utc_today()
    first = today - timedelta(days=days - 1)
    route = "GET /api/v1/courses/{course_id}/groups"
    shadow = {
        **_empty_shadow(days),
        "decisions": 15,
        "legacy_only": 1,
        "enrollment_only": 2,
        "disagreements": 3,
        "by_course": [
            {
                "course_id": course_id,
                "school_id": school_id,
                "decisions": 15,
                "legacy_only": 1,
                "enrollment_only": 2,
            }
        ],
        "disagreements_by_day": [
            {
                "day": first.isoformat(),
                "course_id": course_id,
                "code": "OO-4A",
                "decisions": 5,
                "legacy_only": 1,
                "enrollment_only": 2,
            }
        ],
    }
    usage = _usage(
        days,
        calls=2,
        reads=4,
        last_call_day=first.isoformat(),
        last_read_day=today.isoformat(),
        rows=[
            {
                "route": route,
                "kind": "call",
                "total": 2,
                "last_day": first.isoformat(),
                "schools": [school_id],
                "per_day": {first.isoformat(): 2},
            },
            {
                "route": route,
                "kind": "read",
                "total": 4,
                "last_day": today.isoformat(),
                "schools": [school_id],
                "per_day": {today.isoformat(): 4},
            },
        ],
    )
    expected = document(
        [
            phase1(pairs=0, active=0, missing=0, memberships=0),
            OURS_PHASE2,
            _phase3(shadow),
            _phase45(usage),
            phase6(db_url, legacy_state(tracked=True), quiet_days=days),
        ],
        shape="ours",
        today=today.isoformat(),
        quiet_days=days,
    )
    assert status(db_url, "--quiet-days", str(days)) == expected
    assert expected["next_command"] == "teameval audit access"
    # One day shorter: the first day's disagreements and call fall out, only today's remain.
    shorter = status(db_url, "--quiet-days", str(days - 1))
    phases = {p["phase"]: p for p in shorter["phases"]}
    assert phases["3"]["figures"]["shadow"]["disagreements"] == 0
    assert phases["3"]["state"] == "done"
    usage_now = phases["4-5"]["figures"]["usage"]
    assert (usage_now["calls"], usage_now["reads"]) == (0, 4)
    assert shorter["next_command"] == "teameval legacy mode off --commit"


def test_switched_off_then_retired(db_url: str, tmp_path: Path) -> None:
    done = cli("legacy", "mode", "off", "--commit", "--database-url", db_url, env=ON)
    assert done.exit_code == 0, done.stderr
    document_off = status(db_url)
    phases = {p["phase"]: p for p in document_off["phases"]}
    assert phases["4-5"] == _phase45(_usage(), mode="off", source="database")
    assert document_off["next_command"] == "teameval legacy retire --commit"
    archive = tmp_path / "legacy.zip"
    retire = cli(
        "legacy", "retire", "--commit", "--archive", str(archive), "--database-url", db_url, env=ON
    )
    assert retire.exit_code == 0, (retire.stdout, retire.stderr)
    after = status(db_url)
    engine = sa.create_engine(db_url)
    with engine.connect() as connection:
        when, name, sha = connection.execute(
            sa.text("SELECT retired_at, archive_name, archive_sha256 FROM legacy_state")
        ).one()
    engine.dispose()
    phase6_figures = after["phases"][4]["figures"]
    assert (phase6_figures["archive_name"], phase6_figures["archive_sha256"]) == (name, sha)
    assert phase6_figures["retired"] is True
    detail = f"the legacy tables were retired on {phase6_figures['retired_at']} (archive {name})"
    assert str(when)[:10] == phase6_figures["retired_at"][:10]
    retired = [
        phase(
            number,
            title,
            "done",
            [gate("retired", "Legacy tables retired", True, detail)],
            {},
            detail,
        )
        for number, title in (
            ("1", "Enrollments are the source of truth"),
            ("3", PHASE3),
            ("4-5", PHASE45),
        )
    ]
    expected_after = document(
        [
            retired[0],
            OURS_PHASE2,  # our schema's assessments never needed the legacy tables
            *retired[1:],
            phase(
                "6",
                "Legacy tables retired, restorably",
                "done",
                [gate("retired", "Legacy tables retired", True, detail)],
                phase6_figures,
                "to roll back: teameval legacy restore ARCHIVE --commit",
            ),
        ],
        shape="ours",
        today=utc_today().isoformat(),
        mode="retired",
    )
    assert after == expected_after
    assert (after["status"], after["next_command"]) == ("complete", None)


def test_exit_3_when_it_cannot_run(empty_db_url: str) -> None:
    """A database without teameval's or the legacy platform's tables (a wrong URL)."""
    engine = sa.create_engine(empty_db_url)
    with engine.begin() as connection:  # an SQLite file must exist: it does not create one
        connection.execute(sa.text("CREATE TABLE unrelated (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    result = cli("migration", "status", "--database-url", empty_db_url, "--json", env=ON)
    assert result.exit_code == 3
    assert result.stderr == (
        "could not run: required table 'users' does not exist in this database\n"
    )
    assert result.json()["status"] == 503
