"""Phases 3 to 6 of the status: access proven on enrollments (the access audit and the shadow
comparison of live traffic), the legacy API deprecated and quiet (its usage counts and the
legacy mode), and the guarded retirement (its gates, or the retirement already done).

The figures come from the functions behind ``teameval audit access``, ``teameval legacy usage``
and ``teameval legacy retire``; they are imported where used, so the status starts lean."""

from __future__ import annotations

from typing import Any

from teameval.migration.status.context import SHADOW_TABLE, USAGE_TABLE, Context
from teameval.migration.status.model import PhaseState, PhaseStatus, StatusGate
from teameval.migration.status.roster_phases import NOT_RUN_DETAIL, retired_phase

PHASE3_TITLE = "Access reads enrollments, proven first"
PHASE45_TITLE = "The legacy API deprecated, counted and quiet"
PHASE6_TITLE = "Legacy tables retired, restorably"
NEVER_SERVED = "not applicable: the service never ran on this database (no {table} table)"
DEFAULT_QUIET_DAYS = 30  # the retirement's own default window


def _state(gates: tuple[StatusGate, ...], *, measured: bool = True) -> PhaseState:
    """Open while a gate fails; else done, unless a gate waits for the audits (``measured``
    False). A gate that does not apply here (``passed`` None) holds nothing up."""
    if any(gate.passed is False for gate in gates):
        return PhaseState.OPEN
    return PhaseState.DONE if measured else PhaseState.NOT_RUN


def _days(context: Context) -> str:
    return f"the last {context.quiet_days} days"


def _access_audit_gate(context: Context, figures: dict[str, Any]) -> StatusGate:
    if not context.audits:
        return StatusGate("access_audit", "Access audit agrees", None, NOT_RUN_DETAIL)
    audit = context.access_audit()
    figures["access_audit"] = {
        "status": audit.status,
        "pairs": audit.pairs,
        "agree": audit.agree,
        "legacy_only": audit.legacy_only,
        "enrollment_only": audit.enrollment_only,
    }
    return StatusGate(
        "access_audit",
        "Access audit agrees",
        audit.exit_code == 0,
        f"{audit.status}: {audit.agree} of {audit.pairs} (student, course) pairs agree",
        f"{audit.legacy_only} students would lose access at the switch, "
        f"{audit.enrollment_only} gain it (expected: the enrollment is the truth)",
        f"teameval audit access{context.school}",
        values={"status": audit.status, "agree": audit.agree, "pairs": audit.pairs},
    )


def _shadow_gate(context: Context, figures: dict[str, Any]) -> StatusGate:
    title = "No shadow disagreements"
    if not context.has(SHADOW_TABLE):
        return StatusGate("shadow_quiet", title, None, NEVER_SERVED.format(table=SHADOW_TABLE))
    from teameval.roster.legacy.watch.summary import shadow_summary

    summary = shadow_summary(
        context.connection,
        days=context.quiet_days,
        school_id=context.school_id,
        today=context.today,
    )
    from teameval.migration.status.shadow_days import shadow_disagreements_by_day

    figures["shadow"] = summary.to_json()
    figures["shadow"]["disagreements_by_day"] = shadow_disagreements_by_day(
        context.connection,
        days=context.quiet_days,
        school_id=context.school_id,
        today=context.today,
    )
    return StatusGate(
        "shadow_quiet",
        title,
        summary.disagreements == 0,
        f"{summary.disagreements} disagreements in {summary.decisions} access decisions "
        f"over {_days(context)}",
        f"{summary.legacy_only} would have been allowed only the legacy way, "
        f"{summary.enrollment_only} only by enrollment",
        f"teameval audit access{context.school}",
        values={
            "disagreements": summary.disagreements,
            "decisions": summary.decisions,
            "days": context.quiet_days,
        },
    )


def phase3(context: Context) -> PhaseStatus:
    if context.retired:
        return retired_phase("3", PHASE3_TITLE, context)
    figures: dict[str, Any] = {}
    gates = (_access_audit_gate(context, figures), _shadow_gate(context, figures))
    state = _state(gates, measured=context.audits)
    return PhaseStatus("3", PHASE3_TITLE, state, gates, figures)


def _usage_gate(context: Context, figures: dict[str, Any]) -> StatusGate:
    title = "No legacy route calls"
    if not context.has(USAGE_TABLE):
        return StatusGate("usage_quiet", title, None, NEVER_SERVED.format(table=USAGE_TABLE))
    from teameval.roster.legacy.watch.summary import usage_summary

    summary = usage_summary(
        context.connection,
        days=context.quiet_days,
        school_id=context.school_id,
        today=context.today,
    )
    figures["usage"] = summary.to_json()
    last = summary.last_call_day
    return StatusGate(
        "usage_quiet",
        title,
        summary.calls == 0,
        f"{summary.calls} calls of legacy routes over {_days(context)}",
        f"last call on {last.isoformat() if last else 'no day counted'}; "
        f"{summary.reads} reads of legacy data by other routes and commands",
        f"teameval legacy usage --days {context.quiet_days}{context.school}",
        values={"calls": summary.calls, "days": context.quiet_days},
    )


def _mode_gate(context: Context) -> StatusGate:
    title = "Legacy groups switched off"
    if not context.has(USAGE_TABLE):
        # As the retirement's gate: the legacy platform's database holds no mode of ours.
        return StatusGate("legacy_mode_off", title, None, NEVER_SERVED.format(table=USAGE_TABLE))
    off = context.legacy_mode in ("off", "retired")
    return StatusGate(
        "legacy_mode_off",
        title,
        off,
        f"legacy mode {context.legacy_mode}",
        f"set by {context.state.get('mode_source')}"
        + ("" if off else "; legacy team routes answer 410 once off"),
        "teameval legacy mode off --commit",
        values={"mode": context.legacy_mode},
    )


def phase45(context: Context) -> PhaseStatus:
    if context.retired:
        return retired_phase("4-5", PHASE45_TITLE, context)
    figures: dict[str, Any] = {"legacy_mode": context.legacy_mode}
    gates = (_usage_gate(context, figures), _mode_gate(context))
    if all(gate.passed is None for gate in gates):
        # The legacy platform's database: its API is not ours to deprecate, count or switch.
        detail = "the service never ran on this database: no legacy usage counts, no mode"
        return PhaseStatus("4-5", PHASE45_TITLE, PhaseState.NOT_APPLICABLE, gates, figures, detail)
    return PhaseStatus("4-5", PHASE45_TITLE, _state(gates), gates, figures)


def _retire_command(context: Context) -> str:
    """Retire over the same window the status measured (the archive gets its default name)."""
    days = context.quiet_days
    return "teameval legacy retire --commit" + (
        "" if days == DEFAULT_QUIET_DAYS else f" --quiet-days {days}"
    )


def phase6(context: Context) -> PhaseStatus:
    figures: dict[str, Any] = dict(context.state)
    if context.retired:
        gate = StatusGate("retired", "Legacy tables retired", True, context.retired_detail())
        detail = "to roll back: teameval legacy restore ARCHIVE --commit"
        return PhaseStatus("6", PHASE6_TITLE, PhaseState.DONE, (gate,), figures, detail)
    if not context.audits:
        return PhaseStatus(
            "6", PHASE6_TITLE, PhaseState.NOT_RUN, figures=figures, detail=NOT_RUN_DETAIL
        )
    from teameval.migration.phase6.gates import retirement_gates

    found = retirement_gates(
        context.connection,
        quiet_days=context.quiet_days,
        settings=context.settings,
        # Without --school the audits above already read the whole database: reuse them.
        phase1_audit=context.phase1_audits.get(None),
        access_audit=context.access_audits.get(None),
    )
    gates = tuple(
        StatusGate(g.name, g.title, g.passed, g.figure, g.detail, g.command) for g in found
    )
    ready = all(gate.passed is not False for gate in gates)
    retire = StatusGate(
        "retired",
        "Legacy tables retired",
        False,
        "not retired",
        "every gate passes: archive and remove the legacy tables"
        if ready
        else "waits for the gates above",
        _retire_command(context) if ready else None,
    )
    detail = "the gates are the whole database's: retirement removes the tables for every school"
    return PhaseStatus("6", PHASE6_TITLE, PhaseState.OPEN, (*gates, retire), figures, detail)
