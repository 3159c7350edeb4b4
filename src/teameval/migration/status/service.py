"""Where a database (or one school in it) stands in the migration off legacy groups: every
phase with its gates and their figures, what is left, and the one command to run next.

One function for the command (``teameval migration status``) and the admin's migration page,
so both always say the same. It only reads. It works on teameval's schema and on a
legacy-shaped database; a phase that cannot apply there says so (``not_applicable``), and a
phase whose audit cannot read the database says why (``could_not_run``) without hiding the
others. Only a database the migration does not know at all (no users or courses) raises
:class:`CouldNotRun`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from teameval.migration.runner.probe import CouldNotRun
from teameval.migration.status.context import LEGACY_TABLES, REQUIRED_TABLES, Context
from teameval.migration.status.legacy_phases import (
    PHASE3_TITLE,
    PHASE6_TITLE,
    PHASE45_TITLE,
    phase3,
    phase6,
    phase45,
)
from teameval.migration.status.model import MigrationStatus, PhaseState, PhaseStatus
from teameval.migration.status.roster_phases import PHASE1_TITLE, PHASE2_TITLE, phase1, phase2

if TYPE_CHECKING:
    import sqlalchemy as sa

    from teameval.config import Settings

__all__ = ["CouldNotRun", "MigrationStatus", "migration_status"]

DEFAULT_QUIET_DAYS = 30
PHASES: tuple[tuple[str, str, Callable[[Context], PhaseStatus]], ...] = (
    ("1", PHASE1_TITLE, phase1),
    ("2", PHASE2_TITLE, phase2),
    ("3", PHASE3_TITLE, phase3),
    ("4-5", PHASE45_TITLE, phase45),
    ("6", PHASE6_TITLE, phase6),
)


def _shape(connection: sa.Connection, tables: frozenset[str]) -> str:
    import sqlalchemy as sa

    for table in REQUIRED_TABLES:
        if table not in tables:
            raise CouldNotRun(f"required table {table!r} does not exist in this database")
    if "course_enrollments" not in tables:
        raise CouldNotRun("required table 'course_enrollments' does not exist in this database")
    columns = {c["name"] for c in sa.inspect(connection).get_columns("course_enrollments")}
    return "ours" if "school_id" in columns else "legacy"


def _state(decision: Any) -> dict[str, Any]:
    """The legacy state the status shows: ``changed_at`` left out (it says when, not where)."""
    state = dict(decision.state.to_json())
    state.pop("changed_at", None)
    return {**state, "mode_source": decision.source}


def _evaluate(
    phase: str, title: str, evaluate: Callable[[Context], PhaseStatus], context: Context
) -> PhaseStatus:
    try:
        return evaluate(context)
    except CouldNotRun as error:
        return PhaseStatus(phase, title, PhaseState.COULD_NOT_RUN, detail=str(error))


def migration_status(
    connection: sa.Connection,
    *,
    school_id: int | None = None,
    quiet_days: int = DEFAULT_QUIET_DAYS,
    settings: Settings | None = None,
    today: date | None = None,
    audits: bool = True,
) -> MigrationStatus:
    """The status of the database behind ``connection`` (all schools, or ``school_id``'s
    scope; retirement is always the whole database's). ``audits`` False leaves out the audits
    that read every membership and score row (the page runs them on demand): their phases say
    ``not_run``. Reads only; the caller owns the transaction."""
    import sqlalchemy as sa

    from teameval.migration.phase6.state import mode_decision

    if settings is None:
        from teameval.config import Settings

        settings = Settings()
    tables = frozenset(sa.inspect(connection).get_table_names())
    shape = _shape(connection, tables)
    decision = mode_decision(connection, settings)
    context = Context(
        connection=connection,
        tables=tables,
        shape=shape,
        school_id=school_id,
        quiet_days=quiet_days,
        today=today or datetime.now(UTC).date(),
        settings=settings,
        audits=audits,
        # A database without the legacy tables is past them, whether or not it recorded the
        # retirement (the legacy platform's own database has no legacy_state table to record
        # it in).
        legacy_mode="retired" if not all(t in tables for t in LEGACY_TABLES) else decision.mode,
        state=_state(decision),
    )
    return MigrationStatus(
        shape=shape,
        school_id=school_id,
        quiet_days=quiet_days,
        today=context.today.isoformat(),
        legacy_mode=context.legacy_mode,
        phases=tuple(_evaluate(*phase, context) for phase in PHASES),
        audits_run=audits,
    )
