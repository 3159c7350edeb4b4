"""What ``backfill assessments`` reports: its counts (the issue's JSON fields, plus the time
each step took) and how a batch's keys add to them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from teameval.migration.phase2.keys import REASON_ORDER, State, TeamKey
from teameval.migration.runner.report import EXIT_FAILED, EXIT_OK, EXIT_WARNING

STEPS = ("plan", "teams", "links", "scores", "assessments")


@dataclass
class BackfillResult:
    dry_run: bool
    shape: str
    states: Counter[str] = field(default_factory=Counter)
    linked: int = 0
    created: int = 0
    members_added: int = 0
    scores_to_update: int = 0
    scores_updated: int = 0
    assessments_to_link: int = 0
    assessments_linked: int = 0
    decisions: int = 0
    batches: int = 0
    batches_committed: int = 0
    seconds: float = 0.0
    step_seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STEPS, 0.0))
    failed_batch: dict[str, Any] | None = None
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    migration_run_id: int | None = None

    @property
    def unmapped(self) -> dict[str, int]:
        return {reason.value: self.states[reason] for reason in REASON_ORDER}

    @property
    def status(self) -> str:
        if self.failed_batch is not None:
            return "failed"
        return "unmapped" if any(self.unmapped.values()) else "done"

    @property
    def exit_code(self) -> int:
        return {"failed": EXIT_FAILED, "unmapped": EXIT_WARNING}.get(self.status, EXIT_OK)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "exit_code": self.exit_code,
            "dry_run": self.dry_run,
            "shape": self.shape,
            "team_keys": sum(self.states.values()),
            "mapped_before": self.states[State.MAPPED],
            "to_link": self.states[State.TO_LINK],
            "to_create": self.states[State.TO_CREATE],
            "linked": self.linked,
            "created": self.created,
            "members_added": self.members_added,
            "scores_to_update": self.scores_to_update,
            "scores_updated": self.scores_updated,
            "assessments_to_link": self.assessments_to_link,
            "assessments_linked": self.assessments_linked,
            "unmapped": self.unmapped,
            "decisions": self.decisions,
            "batches": self.batches,
            "batches_committed": self.batches_committed,
            "failed_batch": self.failed_batch,
            "seconds": round(self.seconds, 3),
            "step_seconds": {name: round(value, 3) for name, value in self.step_seconds.items()},
            "samples": self.samples,
            "migration_run_id": self.migration_run_id,
        }


def assessments_to_link(keys: list[TeamKey]) -> list[TeamKey]:
    """The keys whose assessment gets its project team: its only key, mapped (or about to
    be), while the assessment's own project_team_id is NULL."""
    per_assessment = Counter(key.assessment_id for key in keys)
    return [
        key
        for key in keys
        if per_assessment[key.assessment_id] == 1
        and key.own_project_team_id is None
        and (
            key.state is State.TO_CREATE
            or (key.state in (State.MAPPED, State.TO_LINK) and key.project_team_id is not None)
        )
    ]


def tally(result: BackfillResult, keys: list[TeamKey], created: set[int], limit: int) -> None:
    for key in keys:
        state = key.state
        # A key linking to a team this run created was, for this run, a key to create.
        if state is State.TO_LINK and key.project_team_id in created:
            state = State.TO_CREATE
        result.states[state.value] += 1
        if state in (State.TO_LINK, State.TO_CREATE):
            result.scores_to_update += key.score_rows
        elif state is State.MAPPED:
            result.scores_to_update += key.score_rows - key.scores_mapped
        if state in REASON_ORDER:
            samples = result.samples.setdefault(state.value, [])
            if len(samples) < limit:
                samples.append(
                    {
                        "assessment_id": key.assessment_id,
                        "team_number": key.team_number,
                        "project_id": key.project_id,
                    }
                )
