"""`teameval audit …` and `teameval backfill …` commands.

Thin: parse options, open the database, call the runner, print (Rich on a terminal, exactly one
JSON document with ``--json``), exit with the documented code. Whatever stops a tool from running
at all exits 3 with one line on stderr, so automation can tell "cannot run" from "found gaps".
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import sqlalchemy as sa
import typer
from rich.console import Console

from teameval.db import make_engine
from teameval.migration.audit import EXIT_COULD_NOT_RUN, audit_enrollments
from teameval.migration.backfill import (
    DEFAULT_BATCH_SIZE,
    BatchHook,
    ProgressCallback,
    run_backfill,
)
from teameval.migration.probe import CouldNotRun

audit_app = typer.Typer(
    help="Read-only checks of how far a database has migrated.", no_args_is_help=True
)
backfill_app = typer.Typer(
    help="Set-based, resumable data backfills (dry run by default).", no_args_is_help=True
)

# Test-only fault injection (documented in docs/migration.md): fail, or SIGKILL the process,
# in the batch after N committed batches, after its writes and before its commit.
FAIL_AFTER_ENV = "TEAMEVAL_BACKFILL_FAIL_AFTER_BATCHES"
KILL_AFTER_ENV = "TEAMEVAL_BACKFILL_KILL_AFTER_BATCHES"

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL; default: TEAMEVAL_DATABASE_URL, else sqlite:///./teameval.db.",
        show_default=False,
    ),
]
School = Annotated[int | None, typer.Option("--school", help="Limit to one school id.")]
JsonOutput = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else.")
]
Limit = Annotated[
    int, typer.Option("--limit", min=0, help="Sample rows listed per category in the report.")
]


def _could_not_run(reason: str, json_output: bool = False) -> NoReturn:
    line = " ".join(reason.split())
    if json_output:
        # --json promises exactly one document on stdout, also when the tool cannot run.
        from teameval.errors import problem_document

        problem = problem_document(
            "/problems/could-not-run", "Could not run", 503, line, exit_code=EXIT_COULD_NOT_RUN
        )
        _print_json(problem)
    typer.echo(f"could not run: {line}", err=True)
    raise typer.Exit(EXIT_COULD_NOT_RUN)


def _database_url(option: str | None) -> str:
    if option is None:
        # Imported here: the settings machinery costs start-up time a URL option never needs.
        # Read afresh, not cached, like teameval.cli.common.resolve_database_url; its validator
        # already speaks psycopg 3 to PostgreSQL.
        from teameval.config import Settings

        return Settings().database_url
    # The same normalisation as Settings' validator, without loading pydantic-settings.
    for prefix in ("postgres://", "postgresql://"):
        if option.startswith(prefix):
            return "postgresql+psycopg://" + option[len(prefix) :]
    return option


def _display_url(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<invalid URL>"


@contextmanager
def _engine(url: str, json_output: bool) -> Iterator[sa.Engine]:
    """An engine for ``url``; whatever keeps the tool from running exits 3 (``could not run``)."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as error:
        _could_not_run(f"invalid database URL: {error}", json_output)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        # SQLite would silently create an empty file; a typo must not look like an empty school.
        if path and path != ":memory:" and not Path(path).exists():
            _could_not_run(f"SQLite database file {path} does not exist", json_output)
        engine = make_engine(url)
    else:
        engine = make_engine(url, connect_args={"connect_timeout": 10})
    try:
        yield engine
    except CouldNotRun as error:
        _could_not_run(str(error), json_output)
    except sa.exc.SQLAlchemyError as error:
        _could_not_run(str(getattr(error, "orig", None) or error).splitlines()[0], json_output)
    finally:
        engine.dispose()


def _console() -> Console:
    # Piped output goes to logs and tickets: wide enough that sample rows stay on one line.
    # No automatic highlighting: it would colour random parts of URLs and e-mail addresses.
    return Console(highlight=False) if sys.stdout.isatty() else Console(width=160, highlight=False)


def _print_json(document: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")


@audit_app.command("enrollments")
def audit_enrollments_command(
    database_url: DatabaseUrl = None,
    school: School = None,
    json_output: JsonOutput = False,
    limit: Limit = 10,
) -> None:
    """Coverage of active group memberships by active course enrollments.

    Exit codes: 0 PASS, 1 WARNING, 2 FAIL, 3 could not run.
    """
    url = _database_url(database_url)
    with _engine(url, json_output) as engine, engine.connect() as connection:
        # Belt and braces: the audit only reads, and the database enforces it.
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SET TRANSACTION READ ONLY"))
        elif connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA query_only = ON")
        audit = audit_enrollments(connection, school_id=school, sample_limit=limit)
        connection.rollback()
    if json_output:
        _print_json(audit.to_json())
    else:
        from teameval.migration.report import render_audit

        render_audit(_console(), audit, database=_display_url(url))
    raise typer.Exit(audit.exit_code)


def _test_hook() -> BatchHook | None:
    fail_after = os.environ.get(FAIL_AFTER_ENV)
    kill_after = os.environ.get(KILL_AFTER_ENV)
    if fail_after is None and kill_after is None:
        return None

    def hook(number: int) -> None:
        if kill_after is not None and number == int(kill_after) + 1:
            os.kill(os.getpid(), signal.SIGKILL)
        if fail_after is not None and number == int(fail_after) + 1:
            raise RuntimeError(f"simulated failure ({FAIL_AFTER_ENV}={fail_after})")

    return hook


@contextmanager
def _progress_bar(shown: bool) -> Iterator[ProgressCallback | None]:
    """A batch progress bar on stderr while the block runs, or no callback at all."""
    if not shown:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("batches", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


@backfill_app.command("enrollments")
def backfill_enrollments_command(
    database_url: DatabaseUrl = None,
    school: School = None,
    json_output: JsonOutput = False,
    limit: Annotated[int, typer.Option("--limit", min=0, hidden=True)] = 10,
    commit: Annotated[
        bool, typer.Option("--commit", help="Write the changes (default: dry run).")
    ] = False,
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size",
            min=0,
            help="Distinct students per batch (one transaction each); 0 = one batch.",
        ),
    ] = DEFAULT_BATCH_SIZE,
) -> None:
    """Create missing and reactivate inactive enrollments of active group members.

    Exit codes: 0 success (also a dry run or nothing to do), 2 a batch failed, 3 could not run.
    """
    del limit  # accepted for symmetry with the audit; the backfill report lists no samples
    url = _database_url(database_url)
    show_progress = commit and not json_output and sys.stdout.isatty()
    with _engine(url, json_output) as engine, _progress_bar(show_progress) as on_progress:
        result = run_backfill(
            engine,
            school_id=school,
            commit=commit,
            batch_size=batch_size,
            on_progress=on_progress,
            after_batch_written=_test_hook(),
        )
    if json_output:
        _print_json(result.to_json())
    else:
        from teameval.migration.report import render_backfill

        render_backfill(_console(), result, database=_display_url(url))
    raise typer.Exit(result.exit_code)
