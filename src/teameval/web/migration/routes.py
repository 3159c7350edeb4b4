"""Admin: where the admin's school stands in the migration off legacy groups, phase 1 to 6.

The page shows ``teameval migration status --school ID``, computed by the same function
(``migration_status``) on this request's connection, read-only: each phase with its gates worded
in the reader's language, the one command to run next, the shadow comparison per course and
day, the legacy usage per route and day, and the retirement's gates. Phase 1 adds the backfill's
dry-run plan (``teameval backfill enrollments --school ID`` without ``--commit``) and the
backfill runs recorded in ``migration_runs``; phase 2 the audit's figures. The page never
writes: it shows the commands to run.

The audits read every active team membership and every score row of the school (the
retirement's gates: of the whole database), so they run on demand (``?run=1``), not on every
visit; either way the page sends a fixed number of statements.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from teameval.deps import SessionDep, StateDep
from teameval.migration.phase1.backfill import TOOL_NAME, plan_backfill
from teameval.migration.runner.probe import CouldNotRun
from teameval.migration.status.model import MigrationStatus, PhaseState, PhaseStatus
from teameval.migration.status.service import migration_status
from teameval.models import MigrationRun
from teameval.web import i18n
from teameval.web.migration import labels
from teameval.web.pages import AdminPage, Page

router = APIRouter(include_in_schema=False)

RUNS_SHOWN = 5


def recorded_runs(session: Session, school_id: int) -> list[MigrationRun]:
    """The latest committed backfill runs that covered this school (its own, or all schools)."""
    return list(
        session.scalars(
            select(MigrationRun)
            .where(
                MigrationRun.tool == TOOL_NAME,
                or_(MigrationRun.school_id == school_id, MigrationRun.school_id.is_(None)),
            )
            .order_by(MigrationRun.started_at.desc(), MigrationRun.id.desc())
            .limit(RUNS_SHOWN)
        )
    )


def _phase_view(page: Page, phase: PhaseStatus) -> dict[str, Any]:
    """A phase as the page words it: titles, states and figures in the reader's language."""

    def number(value: Any) -> str:
        return i18n.number_text(Decimal(str(value)), page.language)

    unmeasured = page.gettext(
        labels.STATES["not_run" if phase.state is PhaseState.NOT_RUN else "not_applicable"]
    )

    def result(passed: bool | None) -> str:
        if passed is None:
            return unmeasured
        return page.gettext("Pass") if passed else page.gettext("Fail")

    gates = [
        {
            "name": gate.name,
            "title": labels.gate_title(gate, page.gettext),
            "passed": gate.passed,
            "result": result(gate.passed),
            "figure": labels.gate_figure(gate, page.gettext, number),
            "command": gate.command,
        }
        for gate in phase.gates
    ]
    return {
        "phase": phase.phase,
        "title": page.gettext(labels.PHASES.get(phase.phase, phase.title)),
        "state": phase.state.value,
        "state_label": page.gettext(labels.STATES[phase.state.value]),
        "badge": labels.STATE_BADGES.get(phase.state.value, "badge-warn"),
        "gates": gates,
        "command": phase.command,
        "figures": phase.figures,
        "could_not_run": phase.detail if phase.state is PhaseState.COULD_NOT_RUN else None,
    }


def _status_context(page: Page, status: MigrationStatus) -> dict[str, Any]:
    phases = {phase.phase: _phase_view(page, phase) for phase in status.phases}
    phase1 = phases["1"]
    phase2 = phases["2"]
    context: dict[str, Any] = {
        "status": status,
        "phases": phases,
        "next_command": status.next_command,
        "shadow": phases["3"]["figures"].get("shadow"),
        "usage": phases["4-5"]["figures"].get("usage"),
        "legacy_mode": status.legacy_mode,
        "legacy_state": phases["6"]["figures"],
        "could_not_run": phase1["could_not_run"],
        "assessments_could_not_run": phase2["could_not_run"],
    }
    if phase1["state"] in ("done", "open") and "coverage_percent" in phase1["figures"]:
        audit = phase1["figures"]
        context["audit"] = audit
        context["coverage"] = Decimal(str(audit["coverage_percent"]))
    if "score_rows" in phase2["figures"]:
        report = phase2["figures"]
        context["assessment_audit"] = report
        context["assessment_status"] = report["status"]
        context["unmapped_keys"] = sum(report["unmapped"].values())
    return context


@router.get("/migration")
def migration_page(
    page: AdminPage,
    session: SessionDep,
    state: StateDep,
    run: Annotated[bool, Query()] = False,
) -> Response:
    school_id = page.principal.school_id
    connection = session.connection()
    started = time.monotonic()
    status = migration_status(connection, school_id=school_id, settings=state.settings, audits=run)
    context: dict[str, Any] = {
        "ran": run,
        "runs": recorded_runs(session, school_id),
        "school_id": school_id,
        **_status_context(page, status),
    }
    if run and "audit" in context:
        try:
            context["plan"] = plan_backfill(connection, school_id=school_id)
        except CouldNotRun as error:
            context["could_not_run"] = str(error)
    context["seconds"] = Decimal(str(round(time.monotonic() - started, 2)))
    return page.render("migration/status.html", context)
