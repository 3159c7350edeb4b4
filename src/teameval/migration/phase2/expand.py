"""``teameval expand assessments``: the additive DDL phase 2 needs on a legacy database.

* ``project_assessment_teams``: the junction of a legacy team key (assessment, team number)
  and its project team (``source`` 'linked', 'created' or 'decision'), unique per assessment on
  the team number (NULL counted as one value) and on the project team, indexed by project team;
* ``project_assessment_scores.project_team_id``: nullable, its foreign key to project_teams
  (PostgreSQL: added NOT VALID, validated in a transaction of its own) and an index (PostgreSQL:
  built CONCURRENTLY);
* ``archived_assessment_scores``: where ``resolve duplicate-scores`` moves rows, whole.

Nothing is dropped, rewritten or locked for long; every step looks at the catalog first and is
skipped when already there, so a second run, or a rerun after an interruption, does only what
is missing (``ddl``, ``run_ddl``). Dry run by default: it prints the DDL it would run. On
teameval's own schema there is nothing to do. A committed run is recorded in
``migration_runs`` where that table exists (our schema; a legacy database has none).

``--json`` prints one document:

* ``dry_run``: no ``--commit``; ``status``: ``dry_run``, ``nothing_to_do``, ``completed`` or
  ``failed``; ``exit_code``: 0, or 2 when a statement failed;
* ``shape``: ``legacy`` or ``ours``; ``expanded``: whether the database is expanded after the
  run (for a dry run: before it);
* ``statements``: every step in order, ``{"name", "sql", "done"}``, ``done`` meaning already in
  the database when the run started (``sql`` is then what created it, shown for reference);
* ``applied``: the names of the steps this run applied (empty in a dry run);
* ``failed``: ``null``, or ``{"name", "error"}`` of the step that failed (rolled back; the steps
  before it stay applied, run the command again once the cause is fixed);
* ``migration_run_id``, ``seconds``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from teameval.migration.phase2.catalog import read_catalog
from teameval.migration.phase2.ddl import Step, expand_steps
from teameval.migration.phase2.probe import probe_assessment_schema
from teameval.migration.phase2.run_ddl import run_steps
from teameval.migration.runner.bookkeeping import RunBook
from teameval.migration.runner.command import open_database
from teameval.migration.runner.database import Database, first_line
from teameval.migration.runner.report import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from rich.console import Console

TOOL_NAME = "expand.assessments"


@dataclass(frozen=True)
class StepFailure:
    name: str
    error: str


@dataclass(frozen=True)
class ExpandResult:
    dry_run: bool
    shape: str
    steps: tuple[Step, ...]
    applied: tuple[str, ...] = ()
    failed: StepFailure | None = None
    migration_run_id: int | None = None
    seconds: float = 0.0

    @property
    def pending(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if not step.done)

    @property
    def expanded(self) -> bool:
        done = {step.name for step in self.steps if step.done} | set(self.applied)
        return all(step.name in done for step in self.steps)

    @property
    def status(self) -> str:
        if self.failed is not None:
            return "failed"
        if not self.pending:
            return "nothing_to_do"
        return "dry_run" if self.dry_run else "completed"

    @property
    def exit_code(self) -> int:
        return EXIT_FAILED if self.failed is not None else EXIT_OK

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "status": self.status,
            "exit_code": self.exit_code,
            "shape": self.shape,
            "expanded": self.expanded,
            "statements": [step.to_json() for step in self.steps],
            "applied": list(self.applied),
            "failed": None if self.failed is None else vars(self.failed),
            "migration_run_id": self.migration_run_id,
            "seconds": round(self.seconds, 3),
        }


def apply_steps(
    database: Database, steps: Sequence[Step]
) -> tuple[tuple[str, ...], StepFailure | None, BaseException | None]:
    """Run the pending steps: the names applied, and the step that failed (with its error)."""
    applied: list[str] = []
    try:
        run_steps(database, steps, on_applied=lambda step: applied.append(step.name))
    except Exception as error:  # a failed DDL statement or check: reported, exit 2
        pending = [step.name for step in steps if not step.done and step.name not in applied]
        return tuple(applied), StepFailure(pending[0], first_line(error)), error
    return tuple(applied), None, None


def run_expand(database: Database, *, commit: bool) -> ExpandResult:
    started = time.monotonic()
    with database.read() as connection:
        schema = probe_assessment_schema(connection)
        steps = () if schema.shape == "ours" else tuple(expand_steps(read_catalog(connection)))
    result = ExpandResult(dry_run=not commit, shape=schema.shape, steps=steps)
    if not commit:
        return replace(result, seconds=time.monotonic() - started)
    book = RunBook(
        tool=TOOL_NAME,
        actor_label="cli:expand",
        enabled=schema.has_bookkeeping,
        parameters={"commit": True},
    )
    with database.begin() as connection:
        book.start(connection, None)
    applied, failure, _error = apply_steps(database, steps)
    result = replace(
        result,
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
        result = run_expand(database, commit=commit)
    if json_output:
        print_json(result.to_json())
    else:
        from teameval.migration.runner.report import display_url

        render_expand(report_console(), result, database=display_url(url))
    return result.exit_code


# --- the human report (shared with ``contract``) -------------------------------------------


def render_steps(
    console: Console,
    steps: Sequence[Step],
    *,
    applied: Sequence[str],
    failed: StepFailure | None,
    dry_run: bool,
) -> None:
    """Each step with its state; the SQL of those still to run (syntax-highlighted on a
    terminal), or of those just applied."""
    from rich.syntax import Syntax

    for step in steps:
        if step.done:
            state = "[green]already done[/green]"
        elif step.name in applied:
            state = "[bold green]applied[/bold green]"
        elif failed is not None and failed.name == step.name:
            state = f"[bold red]FAILED[/bold red]: {failed.error}"
        elif dry_run:
            state = "[yellow]would run[/yellow]"
        else:
            state = "[yellow]not run[/yellow]"
        console.print(f"- {step.name}: {state}")
        if not step.done:
            if console.is_terminal:
                console.print(Syntax(step.sql.rstrip(), "sql", word_wrap=True))
            else:  # logs and tickets: the SQL as it is, without padding to the width
                console.print(step.sql.rstrip(), markup=False, highlight=False)


def render_failure(console: Console, failed: StepFailure) -> None:
    console.print(
        f"[bold red]Step {failed.name} failed[/bold red] and was rolled back; the steps before "
        "it stay applied. Fix the cause and run the same command again: it does only what is "
        "missing."
    )
    if "lock timeout" in failed.error:
        from teameval.migration.phase2.run_ddl import LOCK_RETRIES, LOCK_TIMEOUT

        console.print(
            f"Another transaction held a lock on the table for more than {LOCK_TIMEOUT}, "
            f"{LOCK_RETRIES + 1} times: look for long transactions (pg_stat_activity) or run "
            "again when the application is quieter."
        )


def render_expand(console: Console, result: ExpandResult, *, database: str) -> None:
    mode = "DRY RUN (nothing written)" if result.dry_run else "COMMIT"
    console.print(f"[bold]Expand assessments[/bold] of {database} ({result.shape} schema): {mode}")
    if result.shape == "ours":
        console.print(
            "teameval's own schema: assessments are keyed by project team from the start. "
            "[bold]Nothing to do.[/bold]"
        )
        return
    render_steps(
        console,
        result.steps,
        applied=result.applied,
        failed=result.failed,
        dry_run=result.dry_run,
    )
    if result.failed is not None:
        render_failure(console, result.failed)
    elif not result.pending:
        console.print("[bold]Nothing to do:[/bold] the database is expanded.")
    elif result.dry_run:
        console.print("[bold]Next:[/bold] run again with `--commit` to apply these statements.")
    else:
        console.print("[bold]Next:[/bold] `teameval audit assessments`.")
