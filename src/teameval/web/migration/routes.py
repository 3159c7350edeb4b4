"""Admin: the migration's status for the admin's school. Phase 1's audit figures (what
``teameval audit enrollments --school ID`` reports) and the backfill's dry-run plan (what
``teameval backfill enrollments --school ID`` without ``--commit`` reports), computed by the
same functions on this request's connection, read-only; the backfill runs recorded in
``migration_runs``; and phase 2's audit (``teameval audit assessments --school ID``), which on
teameval's own schema reports the finished state. The page never writes a backfill: it shows
the commands to run.

The audits read every active team membership and every score row of the school, so they run on
demand (``?run=1``), not on every visit; either way the page sends a fixed number of statements.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from teameval.deps import SessionDep
from teameval.migration.phase1.audit import audit_enrollments
from teameval.migration.phase1.backfill import TOOL_NAME, plan_backfill
from teameval.migration.phase1.probe import CouldNotRun
from teameval.migration.phase2.audit import audit_assessments
from teameval.models import MigrationRun
from teameval.web.pages import AdminPage

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


def _figures(session: Session, school_id: int) -> dict[str, Any]:
    connection = session.connection()
    started = time.monotonic()
    audit = audit_enrollments(connection, school_id=school_id, sample_limit=0)
    plan = plan_backfill(connection, school_id=school_id)
    return {
        "audit": audit,
        "coverage": Decimal(str(audit.coverage_percent)),
        "plan": plan,
        "seconds": Decimal(str(round(time.monotonic() - started, 2))),
    }


def _assessment_figures(session: Session, school_id: int) -> dict[str, Any]:
    audit = audit_assessments(session.connection(), school_id=school_id, sample_limit=0)
    # The page shows the figures of the command's JSON document, under the same names.
    report = audit.to_json()
    return {
        "assessment_audit": report,
        "assessment_status": report["status"],
        "unmapped_keys": sum(report["unmapped"].values()),
    }


@router.get("/migration")
def migration_page(
    page: AdminPage, session: SessionDep, run: Annotated[bool, Query()] = False
) -> Response:
    school_id = page.principal.school_id
    context: dict[str, Any] = {
        "ran": run,
        "runs": recorded_runs(session, school_id),
        "school_id": school_id,
        "could_not_run": None,
        "assessments_could_not_run": None,
    }
    if run:
        try:
            context.update(_figures(session, school_id))
        except CouldNotRun as error:
            context["could_not_run"] = str(error)
        try:
            context.update(_assessment_figures(session, school_id))
        except CouldNotRun as error:
            context["assessments_could_not_run"] = str(error)
    return page.render("migration/status.html", context)
