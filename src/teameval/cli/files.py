"""What the import commands share: reading the file they are given, running the import in one
transaction, the "unusable file" exit (2: the file, the school or the project cannot be used;
nothing was read or written) and the report's ending (printed or JSON; exit 1 on errors)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy.orm import Session

from teameval.cli.common import unit_of_work
from teameval.cli.outcome import emit_json, fail
from teameval.config import Settings
from teameval.errors import AppError, NotFound

EXIT_UNUSABLE = 2

# The options every import command takes, with the same flags and help.
SchoolOption = Annotated[str, typer.Option("--school", help="The school's slug.")]
CommitOption = Annotated[bool, typer.Option("--commit", help="Write (default: preview).")]
JsonReportOption = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]


def read_file(path: str, limit: int) -> bytes:
    """The file (``-``: standard input), at most one byte past the limit: enough for the
    importer to refuse it. A missing file raises ``UnusableFile``."""
    # Imported when a command runs, so `teameval` starts fast for scripted audits.
    from teameval.kit.csv_files import unusable

    if path == "-":
        return sys.stdin.buffer.read(limit + 1)
    file = Path(path)
    if not file.is_file():
        raise unusable(f"{path}: no such file.")
    with file.open("rb") as handle:
        return handle.read(limit + 1)


def exit_unusable(error: AppError, json_output: bool) -> NoReturn:
    """Exit 2 with the error's one line on stderr."""
    # With --json, stdout still holds exactly one JSON document: the problem.
    if json_output:
        emit_json(error.to_problem())
    fail(error.detail, code=EXIT_UNUSABLE)


def read_file_or_exit(path: str, limit: int, json_output: bool) -> bytes:
    """``read_file``, or the "unusable file" exit when the file is missing."""
    from teameval.kit.csv_files import UnusableFile

    try:
        return read_file(path, limit)
    except UnusableFile as error:
        exit_unusable(error, json_output)


def run_import(
    file: str,
    json_output: bool,
    database_url: str | None,
    importer: Callable[[Session, bytes, Settings], dict[str, Any]],
    *,
    working: AbstractContextManager[object] | None = None,
) -> dict[str, Any]:
    """Read the file (or exit 2), run ``importer`` on it in one transaction (inside
    ``working``, e.g. a spinner) and answer its report. A file, school or project the importer
    finds unusable exits 2 once the transaction is over."""
    from teameval.kit.csv_files import FileTooLarge, UnusableFile
    from teameval.roster.legacy.adapter.mode import with_database_mode

    settings = Settings()
    data = read_file_or_exit(file, settings.import_max_bytes, json_output)
    unusable: AppError | None = None
    report: dict[str, Any] = {}
    with working or nullcontext(), unit_of_work(database_url) as session:
        # The legacy mode the database holds (phase 6) overrides TEAMEVAL_LEGACY_GROUPS.
        settings = with_database_mode(settings, session.connection())
        try:
            report = importer(session, data, settings)
        except (UnusableFile, FileTooLarge, NotFound) as error:
            unusable = error
    if unusable is not None:
        exit_unusable(unusable, json_output)
    return report


def finish_report(
    report: dict[str, Any],
    json_output: bool,
    print_report: Callable[[dict[str, Any]], None],
    errors_exit: int,
) -> None:
    """The report as JSON or printed; ``errors_exit`` when it has errors."""
    if json_output:
        emit_json(report)
    else:
        print_report(report)
    if report["errors"]:
        raise typer.Exit(errors_exit)
