"""What ``teameval migration status`` reports, as plain data: the phases, their gates with the
figures behind them, what is left and the one command to run next. The command's JSON document
and the admin's migration page both come from these objects (``to_json``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class PhaseState(StrEnum):
    DONE = "done"
    OPEN = "open"  # a gate fails: there is work left
    NOT_APPLICABLE = "not_applicable"  # cannot apply to this database (said why in `detail`)
    NOT_RUN = "not_run"  # the page did not run the audits this phase needs (they run on demand)
    COULD_NOT_RUN = "could_not_run"  # the phase's audit could not read this database


@dataclass(frozen=True)
class StatusGate:
    """One measured condition. ``passed`` is None when it does not apply or was not measured."""

    name: str
    title: str
    passed: bool | None
    figure: str
    detail: str = ""
    command: str | None = None  # what settles it: only a failing gate names one
    # The numbers in ``figure`` by name, for a page that words the figure in its own language
    # (not in the JSON document: its phase's ``figures`` hold them).
    values: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.passed is not False:
            object.__setattr__(self, "command", None)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "passed": self.passed,
            "figure": self.figure,
            "detail": self.detail,
            "command": self.command,
        }


@dataclass(frozen=True)
class PhaseStatus:
    phase: str  # "1", "2", "3", "4-5", "6": the runbook's numbering
    title: str
    state: PhaseState
    gates: tuple[StatusGate, ...] = ()
    # The numbers behind the gates, under the names the phase's own command reports them.
    figures: dict[str, Any] = field(default_factory=dict)
    detail: str = ""

    @property
    def failing(self) -> tuple[StatusGate, ...]:
        return tuple(gate for gate in self.gates if gate.passed is False)

    @property
    def left(self) -> list[str]:
        """What is left in this phase, one line per failing gate."""
        return [f"{gate.title}: {gate.detail or gate.figure}" for gate in self.failing]

    @property
    def command(self) -> str | None:
        """What to run next for this phase: the first failing gate's command."""
        for gate in self.failing:
            if gate.command:
                return gate.command
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "title": self.title,
            "state": self.state.value,
            "detail": self.detail,
            "gates": [gate.to_json() for gate in self.gates],
            "figures": self.figures,
            "left": self.left,
            "command": self.command,
        }


@dataclass(frozen=True)
class MigrationStatus:
    shape: str  # "ours" (teameval's schema) or "legacy" (the legacy platform's)
    school_id: int | None
    quiet_days: int
    today: str  # ISO date: the last day of the "last N days" windows
    legacy_mode: str  # "dual-write", "off" or "retired"
    phases: tuple[PhaseStatus, ...]
    audits_run: bool = True

    @property
    def complete(self) -> bool:
        return all(
            phase.state in (PhaseState.DONE, PhaseState.NOT_APPLICABLE) for phase in self.phases
        )

    @property
    def left(self) -> list[str]:
        return [f"phase {phase.phase}: {line}" for phase in self.phases for line in phase.left]

    @property
    def next_command(self) -> str | None:
        """The one command to run next: that of the first phase with work left, in the
        runbook's order (a later phase's gates build on the earlier ones). None when nothing
        is left, or when an earlier phase was not measured (it may have work left itself)."""
        for phase in self.phases:
            if phase.state is PhaseState.NOT_RUN:
                return None
            if phase.state is PhaseState.OPEN and phase.command:
                return phase.command
        return None

    @property
    def status(self) -> str:
        if self.complete:
            return "complete"
        if not self.audits_run:
            return "not_run"
        return "in_progress"

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "exit_code": 0,
            "shape": self.shape,
            "school_id": self.school_id,
            "quiet_days": self.quiet_days,
            "today": self.today,
            "legacy_mode": self.legacy_mode,
            "phases": [phase.to_json() for phase in self.phases],
            "left": self.left,
            "next_command": self.next_command,
        }
