"""Phases 1 and 2 of the status: enrollments cover the legacy memberships (the phase 1 audit),
and assessments are keyed by project team (phase 2's schema state and audit). The figures are
those ``teameval audit enrollments`` and ``teameval audit assessments`` report, computed by the
same functions."""

from __future__ import annotations

from typing import Any

from teameval.migration.status.context import Context
from teameval.migration.status.model import PhaseState, PhaseStatus, StatusGate

PHASE1_TITLE = "Enrollments are the source of truth"
PHASE2_TITLE = "Assessments keyed by project team"
NOT_RUN_DETAIL = "the audit runs on demand"
PHASE1_FIGURES = (
    "status",
    "active_memberships",
    "unique_pairs",
    "eligible_pairs",
    "enrolled_active",
    "enrolled_inactive",
    "missing",
    "coverage_percent",
    "anomalies",
)
PHASE2_FIGURES = (
    "status",
    "assessments",
    "score_rows",
    "team_keys",
    "mapped",
    "to_link",
    "to_create",
    "unmapped",
    "scores_mapped",
    "scores_unmapped",
    "anomalies",
)


def retired_phase(phase: str, title: str, context: Context) -> PhaseStatus:
    """A phase before retirement is done once the legacy tables are gone."""
    return PhaseStatus(
        phase,
        title,
        PhaseState.DONE,
        (StatusGate("retired", "Legacy tables retired", True, context.retired_detail()),),
        detail=context.retired_detail(),
    )


def _pick(document: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: document[name] for name in names}


def _gates_state(gates: tuple[StatusGate, ...]) -> PhaseState:
    return PhaseState.OPEN if any(gate.passed is False for gate in gates) else PhaseState.DONE


def phase1(context: Context) -> PhaseStatus:
    if context.retired:
        return retired_phase("1", PHASE1_TITLE, context)
    if not context.audits:
        return PhaseStatus("1", PHASE1_TITLE, PhaseState.NOT_RUN, detail=NOT_RUN_DETAIL)
    audit = context.phase1_audit()
    figures = _pick(audit.to_json(), PHASE1_FIGURES)
    passed = audit.status.value == "PASS"
    if audit.missing or audit.enrolled_inactive:
        detail = (
            f"{audit.missing} enrollments missing and {audit.enrolled_inactive} inactive under "
            "an active team membership: the backfill creates or reactivates them"
        )
        command = f"teameval backfill enrollments{context.school} --commit"
    elif audit.anomalies:
        detail = (
            f"{audit.anomalies} anomalies to resolve by hand ({audit.non_student_member} "
            f"teachers or admins in a team, {audit.cross_school} rows of different schools)"
        )
        command = f"teameval audit enrollments{context.school}"
    else:
        detail, command = "every active team member has an active enrollment", None
    gate = StatusGate(
        "phase1_audit",
        "Phase 1 audit passes",
        passed,
        f"{audit.status.value}: {audit.coverage_percent:g} % of {audit.eligible_pairs} "
        "(student, course) pairs enrolled",
        detail,
        command,
        values={
            "status": audit.status.value,
            "coverage": audit.coverage_percent,
            "pairs": audit.eligible_pairs,
        },
    )
    return PhaseStatus("1", PHASE1_TITLE, _gates_state((gate,)), (gate,), figures)


def phase2(context: Context) -> PhaseStatus:
    if context.retired and context.shape == "legacy":
        # The retirement removed project_assessments.group_id, which phase 2 needed contracted.
        return retired_phase("2", PHASE2_TITLE, context)
    if not context.has("project_assessments"):
        return PhaseStatus(
            "2",
            PHASE2_TITLE,
            PhaseState.NOT_APPLICABLE,
            detail="no project_assessments table: this database holds no assessments",
        )
    from teameval.migration.phase2.probe import probe_assessment_schema

    schema = probe_assessment_schema(context.connection)
    figures: dict[str, Any] = {"shape": schema.shape, "expanded": schema.expanded}
    figures["contracted"] = schema.contracted
    if schema.shape == "ours":
        detail = "teameval's schema keys assessments by project team from the start"
        gate = StatusGate("phase2_contracted", "Phase 2 contracted", True, "contracted", detail)
        if context.audits:
            figures.update(_audit_figures(context))
        return PhaseStatus("2", PHASE2_TITLE, PhaseState.DONE, (gate,), figures)
    if not context.audits:
        return PhaseStatus(
            "2", PHASE2_TITLE, PhaseState.NOT_RUN, figures=figures, detail=NOT_RUN_DETAIL
        )
    audit = _audit_figures(context)
    figures.update(audit)
    gates = _legacy_gates(context, schema.expanded, schema.contracted, audit)
    return PhaseStatus("2", PHASE2_TITLE, _gates_state(gates), gates, figures)


def _audit_figures(context: Context) -> dict[str, Any]:
    from teameval.migration.phase2.audit import audit_assessments

    audit = audit_assessments(context.connection, school_id=context.school_id, sample_limit=0)
    return _pick(audit.to_json(), PHASE2_FIGURES)


def _legacy_gates(
    context: Context, expanded: bool, contracted: bool, audit: dict[str, Any]
) -> tuple[StatusGate, ...]:
    """The runbook's steps on a legacy database, each a gate: expand, backfill (and decide what
    it cannot map), resolve duplicate team scores, contract. ``verify`` is one of the
    contract's own gates (it reads every mapped key twice: not repeated here)."""
    unmapped = sum(audit["unmapped"].values())
    to_map = audit["to_link"] + audit["to_create"]
    duplicates = audit["anomalies"]["duplicate_team_scores"]
    school = context.school
    if to_map or (audit["scores_unmapped"] and not unmapped):
        keys_command = f"teameval backfill assessments{school} --commit"
    else:
        keys_command = f"teameval audit assessments{school}"
    return (
        StatusGate(
            "phase2_expanded",
            "Schema expanded",
            expanded,
            "expanded" if expanded else "not expanded",
            "" if expanded else "project_assessment_teams and the scores' project_team_id",
            "teameval expand assessments --commit",
        ),
        StatusGate(
            "phase2_keys_mapped",
            "Every team key keyed by project team",
            audit["mapped"] == audit["team_keys"] and not audit["scores_unmapped"],
            f"{audit['mapped']} of {audit['team_keys']} team keys mapped, "
            f"{audit['scores_unmapped']} score rows not keyed",
            f"{to_map} to link or create (the backfill does), {unmapped} need a decision "
            "(a decisions file: docs/migration.md)",
            keys_command,
            values={
                "mapped": audit["mapped"],
                "keys": audit["team_keys"],
                "scores": audit["scores_unmapped"],
            },
        ),
        StatusGate(
            "phase2_no_duplicate_team_scores",
            "No team score entered twice",
            duplicates == 0,
            f"{duplicates} excess duplicate team scores",
            "archived, restorably, by resolve duplicate-scores" if duplicates else "",
            f"teameval resolve duplicate-scores{school} --commit",
            values={"duplicates": duplicates},
        ),
        StatusGate(
            "phase2_contracted",
            "Phase 2 contracted",
            contracted,
            "contracted" if contracted else "not contracted",
            "" if contracted else "project_team_id NOT NULL and its unique indexes, gated",
            "teameval contract assessments --commit",
        ),
    )
