"""``teameval audit assessments``: how far project assessments are keyed by project team.

Read-only, on a legacy database before and after expansion, and on teameval's own schema
(where every assessment is keyed by project team from the start: PASS). Every team key gets
its state from ``plan`` (the same decisions the backfill acts on), batch by batch so memory
stays bounded on a million score rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from teameval.migration.phase2.facts import duplicate_team_scores
from teameval.migration.phase2.keys import REASON_ORDER, State, TeamKey
from teameval.migration.phase2.plan import assessment_ranges, plan_batch
from teameval.migration.phase2.probe import AssessmentSchema, probe_assessment_schema
from teameval.migration.runner.database import Connection, as_connection, read_only_snapshot
from teameval.migration.runner.report import EXIT_FAILED, EXIT_OK, EXIT_WARNING

if TYPE_CHECKING:
    import sqlalchemy as sa

# Assessments per batch of the audit: memory, not transactions (the audit is one read).
AUDIT_BATCH = 2000
SAMPLE_CATEGORIES = (State.TO_LINK, State.TO_CREATE, *REASON_ORDER)


@dataclass
class AssessmentAudit:
    shape: str
    expanded: bool
    assessments: int = 0
    score_rows: int = 0
    states: Counter[str] = field(default_factory=Counter)
    scores_mapped: int = 0
    duplicate_team_scores: int = 0
    override_not_member: int = 0
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    school_id: int | None = None

    @property
    def team_keys(self) -> int:
        return sum(self.states.values())

    @property
    def mapped(self) -> int:
        return self.states[State.MAPPED]

    @property
    def to_link(self) -> int:
        return self.states[State.TO_LINK]

    @property
    def to_create(self) -> int:
        return self.states[State.TO_CREATE]

    @property
    def unmapped(self) -> dict[str, int]:
        return {reason.value: self.states[reason] for reason in REASON_ORDER}

    @property
    def scores_unmapped(self) -> int:
        return self.score_rows - self.scores_mapped

    @property
    def anomalies(self) -> dict[str, int]:
        return {
            "duplicate_team_scores": self.duplicate_team_scores,
            "override_not_member": self.override_not_member,
        }

    @property
    def all_mapped(self) -> bool:
        return self.mapped == self.team_keys and self.scores_unmapped == 0

    @property
    def status(self) -> str:
        if not self.all_mapped:
            return "FAIL"
        return "WARNING" if any(self.anomalies.values()) else "PASS"

    @property
    def exit_code(self) -> int:
        return {"PASS": EXIT_OK, "WARNING": EXIT_WARNING}.get(self.status, EXIT_FAILED)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "exit_code": self.exit_code,
            "shape": self.shape,
            "school_id": self.school_id,
            "expanded": self.expanded,
            "assessments": self.assessments,
            "score_rows": self.score_rows,
            "team_keys": self.team_keys,
            "mapped": self.mapped,
            "to_link": self.to_link,
            "to_create": self.to_create,
            "unmapped": self.unmapped,
            "scores_mapped": self.scores_mapped,
            "scores_unmapped": self.scores_unmapped,
            "anomalies": self.anomalies,
            "samples": self.samples,
        }

    def add(self, keys: list[TeamKey], sample_limit: int) -> None:
        for key in keys:
            self.states[key.state.value] += 1
            self.score_rows += key.score_rows
            self.scores_mapped += key.scores_mapped
            self.override_not_member += key.override_not_member
            if key.state in SAMPLE_CATEGORIES:
                samples = self.samples.setdefault(key.state.value, [])
                if len(samples) < sample_limit:
                    samples.append(sample(key))


def sample(key: TeamKey) -> dict[str, Any]:
    return {
        "assessment_id": key.assessment_id,
        "team_number": key.team_number,
        "project_id": key.project_id,
        "project_team_id": key.project_team_id,
        "score_rows": key.score_rows,
    }


def _audit_ours(connection: Connection, schema: AssessmentSchema, school_id: int | None) -> Any:
    from teameval.migration.phase2.ours import finished_counts

    return connection.one(finished_counts(schema, school_id))


def audit_assessments(
    connection: Connection | sa.Connection,
    *,
    school_id: int | None = None,
    sample_limit: int = 10,
    batch_size: int = AUDIT_BATCH,
) -> AssessmentAudit:
    """The audit of the database behind ``connection`` (only reads); raises
    :class:`~teameval.migration.phase2.probe.CouldNotRun` when it cannot run there."""
    connection = as_connection(connection)
    schema = probe_assessment_schema(connection)
    audit = AssessmentAudit(shape=schema.shape, expanded=schema.expanded, school_id=school_id)
    if schema.shape == "ours":
        counts = _audit_ours(connection, schema, school_id)
        audit.assessments, audit.score_rows = int(counts.assessments), int(counts.score_rows)
        audit.scores_mapped = audit.score_rows
        audit.states[State.MAPPED.value] = int(counts.team_keys)
        return audit
    for batch in assessment_ranges(connection, schema, batch_size):
        keys = plan_batch(connection, schema, school_id=school_id, assessments=batch)
        audit.add(keys, sample_limit)
        audit.duplicate_team_scores += int(
            connection.scalar(duplicate_team_scores(schema, school_id=school_id, assessments=batch))
            or 0
        )
    audit.assessments = _count_assessments(connection, schema, school_id)
    return audit


def _count_assessments(
    connection: Connection, schema: AssessmentSchema, school_id: int | None
) -> int:
    from teameval.migration.phase2.ours import assessments_in_scope_count

    return int(connection.scalar(assessments_in_scope_count(schema, school_id)) or 0)


def command(
    database_url: str | None = None,
    school: int | None = None,
    json_output: bool = False,
    limit: int = 10,
) -> int:
    from teameval.cli.output import print_json, report_console, resolve_database_url
    from teameval.migration.runner.command import open_database

    url = resolve_database_url(database_url)
    with open_database(url, json_output) as database, database.read() as connection:
        # The audit only reads, from one snapshot for every batch.
        read_only_snapshot(connection)
        result = audit_assessments(connection, school_id=school, sample_limit=limit)
    if json_output:
        print_json(result.to_json())
    else:
        from teameval.migration.phase2.report import render_audit
        from teameval.migration.runner.report import display_url

        render_audit(report_console(), result, database=display_url(url))
    return result.exit_code
