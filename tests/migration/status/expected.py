"""The status document's phases as a test expects them, built from the figures a stage has:
each builder returns a phase's whole JSON, so a test compares the document in full."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from teameval.config import Settings
from teameval.migration.phase6.gates import retirement_gates

# The legacy mode the tests' commands run with, whatever the suite's pass sets
# (tests/legacy_modes.py): the status is compared with what this mode makes of each stage.
ON = {"TEAMEVAL_LEGACY_GROUPS": "dual-write"}
NEVER_SERVED = "not applicable: the service never ran on this database (no {} table)"
UNMAPPED = {
    "cross_school": 0,
    "no_team_number": 0,
    "no_project": 0,
    "ambiguous_project": 0,
    "ambiguous_team": 0,
    "member_conflict": 0,
}


def gate(
    name: str,
    title: str,
    passed: bool | None,
    figure: str,
    detail: str = "",
    command: str | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "title": title,
        "passed": passed,
        "figure": figure,
        "detail": detail,
        "command": command if passed is False else None,
    }


def phase(
    number: str,
    title: str,
    state: str,
    gates: list[dict[str, Any]],
    figures: dict[str, Any],
    detail: str = "",
) -> dict[str, Any]:
    failing = [g for g in gates if g["passed"] is False]
    return {
        "phase": number,
        "title": title,
        "state": state,
        "detail": detail,
        "gates": gates,
        "figures": figures,
        "left": [f"{g['title']}: {g['detail'] or g['figure']}" for g in failing],
        "command": next((g["command"] for g in failing if g["command"]), None),
    }


def phase1(
    *, pairs: int, active: int, missing: int, memberships: int, school: str = ""
) -> dict[str, Any]:
    coverage = 100.0 if pairs == active else active / pairs * 100
    status = "PASS" if missing == 0 else "FAIL"
    detail = (
        "every active team member has an active enrollment"
        if missing == 0
        else f"{missing} enrollments missing and 0 inactive under an active team membership: "
        "the backfill creates or reactivates them"
    )
    return phase(
        "1",
        "Enrollments are the source of truth",
        "done" if missing == 0 else "open",
        [
            gate(
                "phase1_audit",
                "Phase 1 audit passes",
                missing == 0,
                f"{status}: {coverage:g} % of {pairs} (student, course) pairs enrolled",
                detail,
                f"teameval backfill enrollments{school} --commit",
            )
        ],
        {
            "status": status,
            "active_memberships": memberships,
            "unique_pairs": pairs,
            "eligible_pairs": pairs,
            "enrolled_active": active,
            "enrolled_inactive": 0,
            "missing": missing,
            "coverage_percent": coverage,
            "anomalies": {"non_student_member": 0, "cross_school": 0},
        },
    )


def access(
    *, pairs: int, agree: int, shadow: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Phase 3's access gate, its figures and (``shadow`` None: a legacy database) the shadow
    gate of an empty ``access_shadow_counts``."""
    lose = pairs - agree
    status = "PASS" if lose == 0 else "FAIL"
    access_gate = gate(
        "access_audit",
        "Access audit agrees",
        lose == 0,
        f"{status}: {agree} of {pairs} (student, course) pairs agree",
        f"{lose} students would lose access at the switch, 0 gain it "
        "(expected: the enrollment is the truth)",
        "teameval audit access",
    )
    figures = {
        "status": status,
        "pairs": pairs,
        "agree": agree,
        "legacy_only": lose,
        "enrollment_only": 0,
    }
    if shadow is None:
        shadow_gate = gate(
            "shadow_quiet",
            "No shadow disagreements",
            None,
            NEVER_SERVED.format("access_shadow_counts"),
        )
    else:
        shadow_gate = gate(
            "shadow_quiet",
            "No shadow disagreements",
            shadow["disagreements"] == 0,
            f"{shadow['disagreements']} disagreements in {shadow['decisions']} access "
            f"decisions over the last {shadow['days']} days",
            f"{shadow['legacy_only']} would have been allowed only the legacy way, "
            f"{shadow['enrollment_only']} only by enrollment",
            "teameval audit access",
        )
    return access_gate, shadow_gate, figures


def legacy_phase45() -> dict[str, Any]:
    na = NEVER_SERVED.format("legacy_usage_counts")
    return phase(
        "4-5",
        "The legacy API deprecated, counted and quiet",
        "not_applicable",
        [
            gate("usage_quiet", "No legacy route calls", None, na),
            gate("legacy_mode_off", "Legacy groups switched off", None, na),
        ],
        {"legacy_mode": "dual-write"},
        "the service never ran on this database: no legacy usage counts, no mode",
    )


def legacy_state(**changes: Any) -> dict[str, Any]:
    return {
        "tracked": False,
        "mode": None,
        "retired": False,
        "retired_at": None,
        "archive_name": None,
        "archive_sha256": None,
        "restored_at": None,
        "mode_source": "configuration",
        **changes,
    }


def phase6(
    url: str, state: dict[str, Any], *, quiet_days: int = 30, settings: Settings | None = None
) -> dict[str, Any]:
    """Phase 6 before retirement: the retirement's own gates, measured here on a connection of
    the test's (their wording is phase 6's), then the retirement itself."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = retirement_gates(connection, quiet_days=quiet_days, settings=settings or Settings())
    engine.dispose()
    gates = [gate(g.name, g.title, g.passed, g.figure, g.detail, g.command) for g in found]
    ready = all(g["passed"] is not False for g in gates)
    retire = "teameval legacy retire --commit" + (
        "" if quiet_days == 30 else f" --quiet-days {quiet_days}"
    )
    gates.append(
        gate(
            "retired",
            "Legacy tables retired",
            False,
            "not retired",
            "every gate passes: archive and remove the legacy tables"
            if ready
            else "waits for the gates above",
            retire if ready else None,
        )
    )
    return phase(
        "6",
        "Legacy tables retired, restorably",
        "open",
        gates,
        state,
        "the gates are the whole database's: retirement removes the tables for every school",
    )


def document(
    phases: list[dict[str, Any]],
    *,
    shape: str,
    today: str,
    mode: str = "dual-write",
    school_id: int | None = None,
    quiet_days: int = 30,
) -> dict[str, Any]:
    left = [f"phase {p['phase']}: {line}" for p in phases for line in p["left"]]
    complete = all(p["state"] in ("done", "not_applicable") for p in phases)
    return {
        "status": "complete" if complete else "in_progress",
        "exit_code": 0,
        "shape": shape,
        "school_id": school_id,
        "quiet_days": quiet_days,
        "today": today,
        "legacy_mode": mode,
        "phases": phases,
        "left": left,
        "next_command": next(
            (p["command"] for p in phases if p["state"] == "open" and p["command"]), None
        ),
    }


def phase2_legacy(
    *, expanded: bool, contracted: bool, mapped: int, to_link: int, school: str = ""
) -> dict[str, Any]:
    """Phase 2 of the legacy school (tests/migration/status/dataset.py): one team key, one
    score row."""
    keyed = mapped == 1
    gates = [
        gate(
            "phase2_expanded",
            "Schema expanded",
            expanded,
            "expanded" if expanded else "not expanded",
            "" if expanded else "project_assessment_teams and the scores' project_team_id",
            "teameval expand assessments --commit",
        ),
        gate(
            "phase2_keys_mapped",
            "Every team key keyed by project team",
            keyed,
            f"{mapped} of 1 team keys mapped, {0 if keyed else 1} score rows not keyed",
            f"{to_link} to link or create (the backfill does), 0 need a decision "
            "(a decisions file: docs/migration.md)",
            f"teameval backfill assessments{school} --commit",
        ),
        gate(
            "phase2_no_duplicate_team_scores",
            "No team score entered twice",
            True,
            "0 excess duplicate team scores",
        ),
        gate(
            "phase2_contracted",
            "Phase 2 contracted",
            contracted,
            "contracted" if contracted else "not contracted",
            "" if contracted else "project_team_id NOT NULL and its unique indexes, gated",
            "teameval contract assessments --commit",
        ),
    ]
    figures = {
        "shape": "legacy",
        "expanded": expanded,
        "contracted": contracted,
        "status": "PASS" if keyed else "FAIL",
        "assessments": 1,
        "score_rows": 1,
        "team_keys": 1,
        "mapped": mapped,
        "to_link": to_link,
        "to_create": 0,
        "unmapped": UNMAPPED,
        "scores_mapped": 1 if keyed else 0,
        "scores_unmapped": 0 if keyed else 1,
        "anomalies": {"duplicate_team_scores": 0, "override_not_member": 0},
    }
    state = "done" if all(g["passed"] for g in gates) else "open"
    return phase("2", "Assessments keyed by project team", state, gates, figures)
