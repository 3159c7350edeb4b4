"""Phase 6's commands without Typer: open the database (exit 3 when it cannot be used), run,
print the report (Rich, or one JSON document with ``--json``) and return the exit code.

Phase 6 works through SQLAlchemy on both engines (not the runner's lean psycopg path): its
gates call the legacy watch's summaries, which take a SQLAlchemy connection, and it is run a
few times in a database's life, where start-up time does not matter.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from teameval.migration.runner.command import (
    could_not_run,
    labelled_progress,
    refuse_missing_sqlite_file,
)
from teameval.migration.runner.database import first_line
from teameval.migration.runner.probe import CouldNotRun


@contextmanager
def open_engine(url: str, json_output: bool) -> Iterator[sa.Engine]:
    from teameval.db import make_engine

    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as error:
        could_not_run(f"invalid database URL: {error}", json_output)
    if parsed.get_backend_name() == "sqlite":
        refuse_missing_sqlite_file(parsed.database, json_output)
    engine = make_engine(url)
    try:
        yield engine
    except CouldNotRun as error:
        could_not_run(str(error), json_output)
    except sa.exc.SQLAlchemyError as error:
        could_not_run(first_line(error), json_output)
    finally:
        engine.dispose()


@contextmanager
def rows_progress(shown: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """Rows archived so far, on stderr, while the block runs (a terminal only)."""
    if not shown:
        yield None
        return
    with labelled_progress("archiving rows") as update:

        def advance(member: str, done: int, total: int) -> None:
            update(f"archiving {member}", done, total)

        yield advance


def retire(
    database_url: str | None,
    json_output: bool,
    commit: bool,
    quiet_days: int,
    archive: Path | None,
) -> int:
    from teameval.cli.output import print_json, report_console, resolve_database_url
    from teameval.config import Settings
    from teameval.migration.phase6.retire import run_retire

    url = resolve_database_url(database_url)
    shown = commit and not json_output and sys.stderr.isatty()
    with open_engine(url, json_output) as engine, rows_progress(shown) as on_progress:
        result = run_retire(
            engine,
            commit=commit,
            quiet_days=quiet_days,
            archive_path=archive,
            settings=Settings(),
            on_progress=on_progress,
        )
    if json_output:
        print_json(result.to_json())
    else:
        from teameval.migration.phase6.report import render_retire
        from teameval.migration.runner.report import display_url

        render_retire(report_console(), result, database=display_url(url))
    return result.exit_code


def restore(database_url: str | None, json_output: bool, commit: bool, archive: Path) -> int:
    from teameval.cli.output import print_json, report_console, resolve_database_url
    from teameval.migration.phase6.restore import run_restore

    url = resolve_database_url(database_url)
    with open_engine(url, json_output) as engine:
        result = run_restore(engine, archive, commit=commit)
    if json_output:
        print_json(result.to_json())
    else:
        from teameval.migration.phase6.report import render_restore
        from teameval.migration.runner.report import display_url

        render_restore(report_console(), result, database=display_url(url))
    return result.exit_code


def mode(database_url: str | None, json_output: bool, commit: bool, requested: str | None) -> int:
    from teameval.cli.output import print_json, report_console, resolve_database_url
    from teameval.config import Settings
    from teameval.migration.phase6.mode import run_mode

    url = resolve_database_url(database_url)
    with open_engine(url, json_output) as engine:
        result = run_mode(engine, requested, commit=commit, settings=Settings())
    if json_output:
        print_json(result.to_json())
    else:
        from teameval.migration.phase6.report import render_mode

        render_mode(report_console(), result)
    return result.exit_code
