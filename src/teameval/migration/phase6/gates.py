"""The gates of ``teameval legacy retire``: each one measured, named and shown with its figure.
Retirement runs only when none fails (``passed`` False); ``None`` is "not applicable".

- ``phase1_audit``: ``teameval audit enrollments`` says PASS (every active membership covered
  by an active enrollment, no anomaly);
- ``phase2_contracted``: a legacy-shaped database's assessments are keyed by project team and
  contracted (``teameval contract assessments``); not applicable on teameval's own schema,
  keyed by project team from the start;
- ``access_audit``: ``teameval audit access`` exits 0 (nobody loses access);
- ``shadow_quiet``: no shadow disagreement over the last N days;
- ``usage_quiet``: no legacy route called over the last N days;
- ``legacy_mode_off``: the effective legacy mode is ``off``.

The last three read teameval's own tables (``access_shadow_counts``, ``legacy_usage_counts``,
``legacy_state``): on a legacy-shaped database they are not applicable. A gate whose check
cannot run fails, naming why, rather than passing by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from teameval.migration.phase6.catalog import table_names
from teameval.migration.phase6.state import mode_decision
from teameval.migration.runner.database import as_connection
from teameval.migration.runner.probe import CouldNotRun

if TYPE_CHECKING:
    import sqlalchemy as sa

    from teameval.config import Settings
    from teameval.migration.phase1.audit import EnrollmentAudit
    from teameval.migration.phase3.audit import AccessAuditResult

DEFAULT_QUIET_DAYS = 30
WATCH_TABLES = ("access_shadow_counts", "legacy_usage_counts", "legacy_state")


@dataclass(frozen=True)
class Gate:
    name: str  # stable id
    title: str
    passed: bool | None  # None: not applicable here
    figure: str  # the measured value, short
    detail: str  # what it means, or why it failed
    command: str  # what to run next (to look closer, or to settle it)

    @property
    def failed(self) -> bool:
        return self.passed is False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "passed": self.passed,
            "figure": self.figure,
            "detail": self.detail,
            "command": self.command,
        }


def _not_run(name: str, title: str, command: str, why: str) -> Gate:
    return Gate(name, title, False, "not measured", f"could not run: {why}", command)


def phase1_gate(connection: sa.Connection, audit: EnrollmentAudit | None = None) -> Gate:
    """``audit``: the whole database's phase 1 audit, when the caller already ran it."""
    title = "Phase 1: every active membership is covered by an active enrollment"
    command = "teameval audit enrollments"
    from teameval.migration.phase1.audit import audit_enrollments

    try:
        audit = audit or audit_enrollments(connection, sample_limit=0)
    except CouldNotRun as error:
        return _not_run("phase1_audit", title, command, str(error))
    figure = (
        f"{audit.status.value}: {audit.coverage_percent}% coverage, {audit.missing} missing, "
        f"{audit.enrolled_inactive} inactive, {audit.anomalies} anomalies"
    )
    passed = audit.status.value == "PASS"
    detail = "the audit passes" if passed else "the audit must say PASS"
    if not passed and (audit.missing or audit.enrolled_inactive):
        command = "teameval backfill enrollments --commit"
    return Gate("phase1_audit", title, passed, figure, detail, command)


def phase2_gate(connection: sa.Connection) -> Gate:
    title = "Phase 2: assessments keyed by project team, contracted"
    from teameval.migration.phase2.probe import probe_assessment_schema

    try:
        schema = probe_assessment_schema(connection)
    except CouldNotRun as error:
        return _not_run("phase2_contracted", title, "teameval audit assessments", str(error))
    if schema.shape == "ours":
        return Gate(
            "phase2_contracted",
            title,
            None,
            "not applicable",
            "teameval's own schema keys assessments by project team from the start",
            "teameval audit assessments",
        )
    if schema.contracted:
        return Gate(
            "phase2_contracted",
            title,
            True,
            "contracted",
            "project_assessment_scores.project_team_id is NOT NULL",
            "teameval audit assessments",
        )
    figure = "expanded, not contracted" if schema.expanded else "not expanded"
    return Gate(
        "phase2_contracted",
        title,
        False,
        figure,
        "the legacy assessment columns are still the only key: finish phase 2 first",
        "teameval contract assessments" if schema.expanded else "teameval expand assessments",
    )


def access_gate(connection: sa.Connection, result: AccessAuditResult | None = None) -> Gate:
    """``result``: the whole database's access audit, when the caller already ran it."""
    title = "Phase 3: nobody loses access when it reads enrollments only"
    command = "teameval audit access"
    try:
        from teameval.migration.phase3.audit import audit_access
    except ImportError as error:
        return _not_run("access_audit", title, command, f"the access audit is missing ({error})")
    try:
        result = result or audit_access(connection, sample_limit=0)
    except CouldNotRun as error:
        return _not_run("access_audit", title, command, str(error))
    figure = (
        f"{result.status}: {result.pairs} pairs, {result.legacy_only} would lose access, "
        f"{result.enrollment_only} would gain it"
    )
    passed = result.exit_code == 0
    detail = "exit 0" if passed else "students would lose access: enroll them or end their teams"
    return Gate("access_audit", title, passed, figure, detail, command)


def _not_ours(name: str, title: str, command: str) -> Gate:
    return Gate(
        name,
        title,
        None,
        "not applicable",
        "a legacy-shaped database: teameval's service never ran on it",
        command,
    )


def _watch_summary(name: str) -> Any:
    """The legacy watch's summary function ``name``, imported where used: the watch is built
    alongside phase 6, and a gate that cannot measure must fail rather than break the command."""
    import importlib

    module = importlib.import_module("teameval.roster.legacy.watch.summary")
    return getattr(module, name)


def shadow_gate(connection: sa.Connection, quiet_days: int) -> Gate:
    title = f"Phase 3: no shadow disagreement over the last {quiet_days} days"
    command = "teameval migration status"
    try:
        summary = _watch_summary("shadow_summary")(connection, days=quiet_days)
    except (ImportError, AttributeError) as error:
        return _not_run("shadow_quiet", title, command, f"the shadow summary is missing ({error})")
    figure = (
        f"{summary.disagreements} disagreements in {summary.decisions} decisions "
        f"({summary.legacy_only} legacy only, {summary.enrollment_only} enrollment only)"
    )
    passed = summary.disagreements == 0
    detail = "quiet" if passed else "live decisions still disagree: settle them, then wait"
    return Gate("shadow_quiet", title, passed, figure, detail, command)


def usage_gate(connection: sa.Connection, quiet_days: int) -> Gate:
    title = f"Phases 4-5: no legacy route called over the last {quiet_days} days"
    command = f"teameval legacy usage --days {quiet_days}"
    try:
        summary = _watch_summary("usage_summary")(connection, days=quiet_days)
    except (ImportError, AttributeError) as error:
        return _not_run("usage_quiet", title, command, f"the usage summary is missing ({error})")
    last = summary.last_call_day.isoformat() if summary.last_call_day else "never"
    figure = f"{summary.calls} calls, {summary.reads} legacy reads (last call: {last})"
    passed = summary.calls == 0
    detail = "quiet" if passed else "clients still call the legacy API: move them, then wait"
    return Gate("usage_quiet", title, passed, figure, detail, command)


def mode_gate(connection: sa.Connection, settings: Settings | None) -> Gate:
    title = "Legacy groups switched off"
    decision = mode_decision(connection, settings)
    passed = decision.mode == "off"
    if decision.mode == "retired":
        detail = "already retired: " + decision.explanation
    elif passed:
        detail = decision.explanation + "; restart every server so each one runs with it"
    else:
        detail = decision.explanation
    return Gate(
        "legacy_mode_off",
        title,
        passed,
        decision.mode,
        detail,
        "teameval legacy mode off --commit" if not passed else "teameval legacy mode",
    )


def retirement_gates(
    connection: sa.Connection,
    *,
    quiet_days: int = DEFAULT_QUIET_DAYS,
    settings: Settings | None = None,
    phase1_audit: EnrollmentAudit | None = None,
    access_audit: AccessAuditResult | None = None,
) -> list[Gate]:
    """Every gate of the retirement, in the runbook's order, each measured now (read-only),
    except the whole database's audits a caller passes in (``migration status`` ran them)."""
    present = table_names(as_connection(connection))
    gates = [
        phase1_gate(connection, phase1_audit),
        phase2_gate(connection),
        access_gate(connection, access_audit),
    ]
    if not all(name in present for name in WATCH_TABLES):
        gates += [
            _not_ours("shadow_quiet", "Phase 3: no shadow disagreement", "teameval audit access"),
            _not_ours("usage_quiet", "Phases 4-5: no legacy route called", "teameval legacy usage"),
            _not_ours("legacy_mode_off", "Legacy groups switched off", "teameval legacy mode"),
        ]
        return gates
    gates += [
        shadow_gate(connection, quiet_days),
        usage_gate(connection, quiet_days),
        mode_gate(connection, settings),
    ]
    return gates
