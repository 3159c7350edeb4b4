"""Command-line parts every migration command shares: the options (``--database-url``,
``--school``, ``--batch-size``, ``--json``, ``--limit``), opening the database, the batch
progress bar, and the one way a tool says it cannot run (exit 3, one line on stderr; under
``--json`` also one problem document on stdout, so automation can tell "cannot run" from
"found gaps").

``teameval.cli.output`` (the helpers all commands share) is imported where used, not at the
top: ``teameval.cli`` assembles the command tree, this module included, so a top-level import
here could make ``python -m teameval.migration`` import a half-initialised ``teameval.cli``."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import sqlalchemy as sa
import typer

from teameval.migration.runner.batches import ProgressCallback
from teameval.migration.runner.probe import CouldNotRun
from teameval.migration.runner.report import EXIT_COULD_NOT_RUN

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
Commit = Annotated[bool, typer.Option("--commit", help="Write the changes (default: dry run).")]


def batch_size_option(unit: str) -> object:
    """``--batch-size``: how many ``unit`` per batch (one transaction each); 0 = one batch."""
    return typer.Option(
        "--batch-size", min=0, help=f"{unit} per batch (one transaction each); 0 = one batch."
    )


# Test-only fault injection (documented in docs/migration.md): fail, or SIGKILL the process,
# in the batch after N committed batches, after its writes and before its commit.
FAIL_AFTER_ENV = "TEAMEVAL_BACKFILL_FAIL_AFTER_BATCHES"
KILL_AFTER_ENV = "TEAMEVAL_BACKFILL_KILL_AFTER_BATCHES"
BatchHook = Callable[[int], None]


def could_not_run(reason: str, json_output: bool = False) -> NoReturn:
    line = " ".join(reason.split())
    if json_output:
        # --json promises exactly one document on stdout, also when the tool cannot run.
        from teameval.cli.output import print_json
        from teameval.errors import problem_document

        problem = problem_document(
            "/problems/could-not-run", "Could not run", 503, line, exit_code=EXIT_COULD_NOT_RUN
        )
        print_json(problem)
    typer.echo(f"could not run: {line}", err=True)
    raise typer.Exit(EXIT_COULD_NOT_RUN)


def _sqlite_setup(dbapi_connection: object, _record: object) -> None:
    # As teameval.db.make_engine does for every SQLite connection (that module also loads the
    # ORM, which these commands never use): foreign keys on, wait for the writer lock.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@contextmanager
def open_database(url: str, json_output: bool) -> Iterator[sa.Engine]:
    """An engine for ``url``; whatever keeps the tool from running exits 3 (``could not run``)."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as error:
        could_not_run(f"invalid database URL: {error}", json_output)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        # SQLite would silently create an empty file; a typo must not look like an empty school.
        if path and path != ":memory:" and not Path(path).exists():
            could_not_run(f"SQLite database file {path} does not exist", json_output)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_setup)
    else:
        engine = sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    try:
        yield engine
    except CouldNotRun as error:
        could_not_run(str(error), json_output)
    except sa.exc.SQLAlchemyError as error:
        could_not_run(str(getattr(error, "orig", None) or error).splitlines()[0], json_output)
    finally:
        engine.dispose()


def fault_injection_hook() -> BatchHook | None:
    """The fault injection of ``FAIL_AFTER_ENV`` / ``KILL_AFTER_ENV``, if either is set."""
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
def progress_bar(shown: bool) -> Iterator[ProgressCallback | None]:
    """A batch progress bar on stderr while the block runs, or no callback at all."""
    if not shown:
        yield None
        return
    from rich.console import Console
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
