"""``teameval contract assessments``: make ``project_assessment_scores.project_team_id`` NOT
NULL and add the scores' partial unique indexes, only once every gate passes.

Gates (all evaluated, every failing one named; any failure: exit 2, nothing changed):

* ``expanded``: every step of ``teameval expand assessments --commit`` is applied;
* ``all_keys_mapped``: the audit maps every team key;
* ``all_scores_mapped``: no score row without ``project_team_id``;
* ``no_duplicate_team_scores``: the audit's ``duplicate_team_scores`` is 0 (the team-score
  unique index could not be built otherwise);
* ``verify``: the dual read finds no mismatch;
* ``no_null_project_team_id`` (only when the DDL runs): checked again inside the transaction
  that takes the table's lock, so a row a writer added since the audit cannot slip through.

Then (``ddl.contract_steps``) PostgreSQL: a CHECK added NOT VALID, validated, SET NOT NULL (no
scan on PostgreSQL 12+), the check dropped, each under ``lock_timeout`` with retries, and the
two unique indexes built CONCURRENTLY; SQLite: the table rebuilt in one transaction
(``sqlite_rebuild``), then the indexes. Never drops ``group_id`` or ``team_number``. Already
contracted: nothing to do, exit 0. On teameval's own schema: nothing to do.

``--json`` prints one document: ``dry_run``, ``status`` (``dry_run``, ``refused``,
``nothing_to_do``, ``completed`` or ``failed``), ``exit_code``, ``shape``, ``gates``
(``[{"name", "passed", "detail"}]``), ``statements`` and ``applied`` as ``expand`` has them,
``failed`` (``null`` or ``{"name", "error"}``), ``migration_run_id``, ``seconds``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from teameval.migration.phase2 import sqlite_rebuild
from teameval.migration.phase2.catalog import SCORES, read_catalog
from teameval.migration.phase2.ddl import Step, StepFailed, contract_steps, expand_steps
from teameval.migration.phase2.expand import (
    StepFailure,
    apply_steps,
    render_failure,
    render_steps,
)
from teameval.migration.phase2.probe import EXPAND_COMMAND, AssessmentSchema
from teameval.migration.phase2.probe import probe_assessment_schema as probe
from teameval.migration.runner.bookkeeping import RunBook
from teameval.migration.runner.command import open_database
from teameval.migration.runner.database import Connection, Database
from teameval.migration.runner.report import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from rich.console import Console

TOOL_NAME = "contract.assessments"
LAST_GATE = "no_null_project_team_id"


@dataclass(frozen=True)
class Gate:
    name: str
    passed: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


@dataclass(frozen=True)
class ContractResult:
    dry_run: bool
    shape: str
    gates: tuple[Gate, ...]
    steps: tuple[Step, ...]
    applied: tuple[str, ...] = ()
    failed: StepFailure | None = None
    migration_run_id: int | None = None
    seconds: float = 0.0

    @property
    def refused(self) -> bool:
        return not all(gate.passed for gate in self.gates)

    @property
    def status(self) -> str:
        if self.refused:
            return "refused"
        if self.failed is not None:
            return "failed"
        if all(step.done for step in self.steps):
            return "nothing_to_do"
        return "dry_run" if self.dry_run else "completed"

    @property
    def exit_code(self) -> int:
        return EXIT_FAILED if self.refused or self.failed is not None else EXIT_OK

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "status": self.status,
            "exit_code": self.exit_code,
            "shape": self.shape,
            "gates": [gate.to_json() for gate in self.gates],
            "statements": [step.to_json() for step in self.steps],
            "applied": list(self.applied),
            "failed": None if self.failed is None else vars(self.failed),
            "migration_run_id": self.migration_run_id,
            "seconds": round(self.seconds, 3),
        }


def _counts(parts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in parts.items() if count)


def evaluate_gates(
    connection: Connection, schema: AssessmentSchema, unexpanded: Sequence[str]
) -> list[Gate]:
    """Every gate, passed or not, with what an operator needs to settle it. ``unexpanded``:
    the steps of ``expand assessments`` not applied yet."""
    from teameval.migration.phase2.audit import audit_assessments

    expanded = schema.expanded and not unexpanded
    gates = [
        Gate(
            "expanded",
            expanded,
            "every step of the expand is applied"
            if expanded
            else f"not expanded ({', '.join(unexpanded)} missing): run `{EXPAND_COMMAND}` first",
        )
    ]
    audit = audit_assessments(connection, sample_limit=0)
    unmapped = _counts(
        {"to_link": audit.to_link, "to_create": audit.to_create, **dict(audit.unmapped)}
    )
    keys_detail = f"{audit.mapped} of {audit.team_keys} team keys mapped"
    if unmapped:
        keys_detail += f" (left: {unmapped}; `teameval backfill assessments`, decisions file)"
    gates.append(Gate("all_keys_mapped", audit.mapped == audit.team_keys, keys_detail))
    gates.append(
        Gate(
            "all_scores_mapped",
            audit.scores_unmapped == 0,
            f"{audit.scores_unmapped} of {audit.score_rows} score rows without project_team_id",
        )
    )
    duplicates = int(audit.anomalies["duplicate_team_scores"])
    gates.append(
        Gate(
            "no_duplicate_team_scores",
            duplicates == 0,
            f"{duplicates} excess duplicate team-score rows"
            + (
                "; `teameval resolve duplicate-scores --commit` archives them" if duplicates else ""
            ),
        )
    )
    if not schema.expanded:
        gates.append(Gate("verify", False, "not run: the database is not expanded"))
        return gates
    from teameval.migration.phase2.verify import verify_assessments

    verification = verify_assessments(connection, sample_limit=0)
    gates.append(
        Gate(
            "verify",
            verification.exit_code == EXIT_OK,
            f"{verification.status}: {verification.keys_checked} keys and "
            f"{verification.students_checked} students checked, "
            f"{verification.mismatches} mismatches; `teameval verify assessments` lists them",
        )
    )
    return gates


def _plan(
    connection: Connection, schema: AssessmentSchema
) -> tuple[tuple[Step, ...], tuple[str, ...]]:
    """The contract's steps (none before expansion) and the expand's steps not applied yet."""
    catalog = read_catalog(connection)
    unexpanded = tuple(step.name for step in expand_steps(catalog) if not step.done)
    if not schema.expanded:
        return (), unexpanded
    column = catalog.score_column("project_team_id")
    rebuild: tuple[str, ...] = ()
    if catalog.dialect == "sqlite" and column is not None and not column.not_null:
        rebuild = sqlite_rebuild.plan(connection, SCORES, "project_team_id")
    return tuple(contract_steps(catalog, rebuild)), unexpanded


def run_contract(database: Database, *, commit: bool) -> ContractResult:
    started = time.monotonic()
    with database.read() as connection:
        if connection.dialect == "postgresql":
            # One snapshot for every gate: the audit and the dual read must not see a writer's
            # change between their statements (verify would report a mismatch that is none).
            connection.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        schema = probe(connection)
        if schema.shape == "ours":
            gates: tuple[Gate, ...] = (
                Gate("contracted", True, "teameval's own schema: keyed by project team already"),
            )
            steps: tuple[Step, ...] = ()
        else:
            steps, unexpanded = _plan(connection, schema)
            if steps and all(step.done for step in steps):
                detail = "project_team_id is NOT NULL and both unique indexes exist"
                gates = (Gate("contracted", True, detail),)
            else:
                gates = tuple(evaluate_gates(connection, schema, unexpanded))
    result = ContractResult(dry_run=not commit, shape=schema.shape, gates=gates, steps=steps)
    if not commit or result.refused:
        return replace(result, seconds=time.monotonic() - started)
    book = RunBook(
        tool=TOOL_NAME,
        actor_label="cli:contract",
        enabled=schema.has_bookkeeping,
        parameters={"commit": True},
    )
    with database.begin() as connection:
        book.start(connection, None)
    applied, failure, error = apply_steps(database, steps)
    if isinstance(error, StepFailed):  # the last gate refused under the lock: nothing changed
        gates += (Gate(LAST_GATE, False, str(error)),)
        failure = None
    elif any(step.check is not None for step in steps if step.name in applied):
        gates += (Gate(LAST_GATE, True, "checked again under the table's lock"),)
    result = replace(
        result,
        gates=gates,
        applied=applied,
        failed=failure,
        migration_run_id=book.run_id,
        seconds=time.monotonic() - started,
    )
    with database.begin() as connection:
        book.finish(connection, result.status, result.to_json())
    return result


def command(database_url: str | None, json_output: bool, commit: bool) -> int:
    from teameval.cli.output import print_json, report_console, resolve_database_url

    url = resolve_database_url(database_url)
    with open_database(url, json_output) as database:
        result = run_contract(database, commit=commit)
    if json_output:
        print_json(result.to_json())
    else:
        from teameval.migration.runner.report import display_url

        render_contract(report_console(), result, database=display_url(url))
    return result.exit_code


def render_contract(console: Console, result: ContractResult, *, database: str) -> None:
    mode = "DRY RUN (nothing written)" if result.dry_run else "COMMIT"
    console.print(
        f"[bold]Contract assessments[/bold] of {database} ({result.shape} schema): {mode}"
    )
    for gate in result.gates:
        mark = "[green]pass[/green]" if gate.passed else "[bold red]FAIL[/bold red]"
        console.print(f"  {mark} {gate.name}: {gate.detail}", highlight=False)
    if result.refused:
        failing = ", ".join(gate.name for gate in result.gates if not gate.passed)
        console.print(
            f"[bold red]Refused[/bold red] (exit 2): {failing}. Nothing was changed; settle "
            "these and run the command again."
        )
        return
    render_steps(
        console, result.steps, applied=result.applied, failed=result.failed, dry_run=result.dry_run
    )
    if result.failed is not None:
        render_failure(console, result.failed)
    elif result.status == "nothing_to_do":
        console.print("[bold]Nothing to do:[/bold] the scores are keyed by project team.")
    elif result.dry_run:
        console.print("[bold]Next:[/bold] run again with `--commit` to apply these statements.")
    else:
        console.print(
            "[bold]Done:[/bold] project_team_id is NOT NULL; group_id and team_number stay."
        )
