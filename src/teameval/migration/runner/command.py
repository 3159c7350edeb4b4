"""What every migration command does around its phase, without Typer or SQLAlchemy (the lean
start-up, docs/benchmarks.md): opening the database, the one way a tool says it cannot run
(exit 3, one line on stderr; under ``--json`` also one problem document on stdout, so automation
can tell "cannot run" from "found gaps"), the batch progress bar and the test-only fault
injection. The Typer options are in ``teameval.migration.runner.cli``.

``teameval.cli.output`` (the helpers all commands share) is imported where used, not at the
top: ``teameval.cli`` assembles the command tree, this module included, so a top-level import
here could make ``python -m teameval.migration`` import a half-initialised ``teameval.cli``."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from teameval.migration.runner.batches import ProgressCallback
from teameval.migration.runner.database import Database, first_line
from teameval.migration.runner.probe import CouldNotRun
from teameval.migration.runner.report import EXIT_COULD_NOT_RUN

if TYPE_CHECKING:
    import sqlalchemy as sa

# Test-only fault injection (documented in docs/migration.md): fail, or SIGKILL the process,
# in the batch after N committed batches, after its writes and before its commit.
FAIL_AFTER_ENV = "TEAMEVAL_BACKFILL_FAIL_AFTER_BATCHES"
KILL_AFTER_ENV = "TEAMEVAL_BACKFILL_KILL_AFTER_BATCHES"
BatchHook = Callable[[int], None]
# PostgreSQL URLs as ``teameval.cli.output.normalise_database_url`` leaves them.
PSYCOPG_URL = "postgresql+psycopg://"


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
    sys.stderr.write(f"could not run: {line}\n")
    sys.stderr.flush()
    raise SystemExit(EXIT_COULD_NOT_RUN)


def refuse_missing_sqlite_file(path: str | None, json_output: bool) -> None:
    """SQLite would silently create an empty file: a typo must not look like an empty school."""
    if path and path != ":memory:" and not Path(path).exists():
        could_not_run(f"SQLite database file {path} does not exist", json_output)


def _sqlite_setup(dbapi_connection: object, _record: object) -> None:
    # As teameval.db.make_engine does for every SQLite connection (that module also loads the
    # ORM, which these commands never use): foreign keys on, wait for the writer lock.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlalchemy_engine(url: str, json_output: bool) -> sa.Engine:
    import sqlalchemy as sa

    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as error:
        could_not_run(f"invalid database URL: {error}", json_output)
    if parsed.get_backend_name() == "sqlite":
        refuse_missing_sqlite_file(parsed.database, json_output)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_setup)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})


def _database(url: str, json_output: bool) -> Database:
    if url.startswith(PSYCOPG_URL):
        # PostgreSQL through psycopg alone: no SQLAlchemy import once the SQL is compiled.
        from teameval.migration.runner.psycopg_database import PsycopgDatabase
        from teameval.migration.runner.statement_cache import default_cache

        return PsycopgDatabase(url, default_cache())
    from teameval.migration.runner.sqlalchemy_database import SqlAlchemyDatabase

    return SqlAlchemyDatabase(_sqlalchemy_engine(url, json_output))


@contextmanager
def open_database(url: str, json_output: bool) -> Iterator[Database]:
    """The database at ``url``; whatever keeps the tool from running exits 3 (``could not
    run``)."""
    database = _database(url, json_output)
    try:
        yield database
    except CouldNotRun as error:
        could_not_run(str(error), json_output)
    except database.errors as error:
        could_not_run(first_line(error), json_output)
    finally:
        database.close()


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
    with labelled_progress("batches") as update:

        def advance(done: int, total: int) -> None:
            update("batches", done, total)

        yield advance


@contextmanager
def labelled_progress(label: str) -> Iterator[Callable[[str, int, int], None]]:
    """A transient progress bar on stderr; the callback sets its label, count and total (the
    batch bar above, and phase 6's rows archived per table)."""
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
        task = progress.add_task(label, total=None)

        def update(description: str, done: int, total: int) -> None:
            progress.update(task, description=description, completed=done, total=total)

        yield update
