"""Words of the migration status on the admin's page, marked for translation here and
translated when the page shows them. The status (``teameval.migration.status``) speaks the
command's English; the page words each phase, state and known gate in the reader's language
and the numbers from the gate's ``values``. A gate it does not know (a new retirement gate)
keeps the command's words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from teameval.migration.status.model import StatusGate


def N_(message: str) -> str:
    return message


PHASES = {
    "1": N_("Enrollments are the source of truth"),
    "2": N_("Assessments keyed by project team"),
    "3": N_("Access reads enrollments, proven first"),
    "4-5": N_("The legacy API deprecated, counted and quiet"),
    "6": N_("Legacy tables retired, restorably"),
}

STATES = {
    "done": N_("Done"),
    "open": N_("Work left"),
    "not_applicable": N_("Not applicable"),
    "not_run": N_("Not measured yet"),
    "could_not_run": N_("Could not run"),
}
STATE_BADGES = {"done": "badge-ok", "open": "badge-bad"}

GATES = {
    "phase1_audit": N_("Phase 1 audit passes"),
    "phase2_expanded": N_("Schema expanded"),
    "phase2_keys_mapped": N_("Every team key keyed by project team"),
    "phase2_no_duplicate_team_scores": N_("No team score entered twice"),
    "phase2_contracted": N_("Phase 2 contracted"),
    "access_audit": N_("Access audit agrees"),
    "shadow_quiet": N_("No shadow disagreements"),
    "usage_quiet": N_("No legacy route calls"),
    "legacy_mode_off": N_("Legacy groups switched off"),
    "retired": N_("Legacy tables retired"),
}

# Gate name -> the figure worded with its values (the same names as the gate's ``values``).
FIGURES = {
    "phase1_audit": N_("%(status)s: %(coverage)s %% of %(pairs)s pairs enrolled"),
    "phase2_keys_mapped": N_(
        "%(mapped)s of %(keys)s team keys mapped, %(scores)s score rows not keyed"
    ),
    "phase2_no_duplicate_team_scores": N_("%(duplicates)s excess duplicate team scores"),
    "access_audit": N_("%(status)s: %(agree)s of %(pairs)s pairs agree"),
    "shadow_quiet": N_(
        "%(disagreements)s disagreements in %(decisions)s decisions over the last %(days)s days"
    ),
    "usage_quiet": N_("%(calls)s legacy route calls over the last %(days)s days"),
    "legacy_mode_off": N_("Legacy mode: %(mode)s"),
}


def gate_title(gate: StatusGate, gettext: Callable[[str], str]) -> str:
    known = GATES.get(gate.name)
    return gettext(known) if known else gate.title


def gate_figure(
    gate: StatusGate, gettext: Callable[[str], str], number: Callable[[Any], str]
) -> str:
    """The gate's figure in the reader's language, numbers in the locale's way."""
    message = FIGURES.get(gate.name)
    if message is None or not gate.values:
        return "" if gate.name in GATES else gate.figure
    values = {
        name: number(value) if isinstance(value, int | float) else value
        for name, value in gate.values.items()
    }
    return gettext(message) % values
