"""`teameval import …` commands.

Exit codes of ``import students``: 0 clean; 1 row errors (nothing written unless
``--skip-invalid``); 2 the file (or the school) is unusable, nothing read; 3 the database.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.table import Table

from teameval.cli.common import (
    DatabaseUrlOption,
    console,
    emit_json,
    error_console,
    fail,
    unit_of_work,
)
from teameval.config import Settings
from teameval.errors import AppError, NotFound

import_app = typer.Typer(
    help="Bulk imports (CSV), dry run (preview) by default.", no_args_is_help=True
)

EXIT_ROW_ERRORS = 1
EXIT_UNUSABLE = 2
_ERRORS_SHOWN = 50


def _read(path: str, limit: int) -> bytes:
    """At most one byte past the limit: enough for the importer to refuse the file."""
    from teameval.kit.csv_files import unusable

    if path == "-":
        return sys.stdin.buffer.read(limit + 1)
    file = Path(path)
    if not file.is_file():
        raise unusable(f"{path}: no such file.")
    with file.open("rb") as handle:
        return handle.read(limit + 1)


def _exit_unusable(error: AppError, json_output: bool) -> NoReturn:
    # With --json, stdout still holds exactly one JSON document: the problem.
    if json_output:
        emit_json(error.to_problem())
    fail(error.detail, code=EXIT_UNUSABLE)


@import_app.command("students")
def students(
    file: Annotated[str, typer.Argument(help="The CSV file, or - for standard input.")],
    school: Annotated[str, typer.Option(help="The school's slug.")],
    commit: Annotated[bool, typer.Option("--commit", help="Write (default: preview).")] = False,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="With --commit: import the valid rows anyway.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    database_url: Annotated[str | None, DatabaseUrlOption] = None,
) -> None:
    """Import students from CSV (columns and synonyms: docs/import.md). Preview by default."""
    # Imported when the command runs, so `teameval` starts fast for scripted audits.
    from teameval.audit_trail import Actor
    from teameval.kit.csv_files import FileTooLarge, UnusableFile
    from teameval.roster.accounts.service import school_by_slug
    from teameval.roster.csv.importer import import_students

    settings = Settings()
    try:
        data = _read(file, settings.import_max_bytes)
    except UnusableFile as error:
        _exit_unusable(error, json_output)
    unusable: AppError | None = None
    report: dict[str, Any] = {}
    with (
        _working("Importing" if commit else "Checking", file),
        unit_of_work(database_url) as session,
    ):
        try:
            found = school_by_slug(session, school)
            actor = Actor.command_line(found.id, "import students")
            result = import_students(
                session, actor, data, settings, commit=commit, skip_invalid=skip_invalid
            )
            report = result.to_dict()
        except (UnusableFile, FileTooLarge, NotFound) as error:
            unusable = error
    if unusable is not None:
        _exit_unusable(unusable, json_output)
    if json_output:
        emit_json(report)
    else:
        _print(report)
    if report["errors"]:
        raise typer.Exit(EXIT_ROW_ERRORS)


def _working(verb: str, file: str) -> AbstractContextManager[object]:
    """A spinner on a terminal while the file is checked or written; silent when piped."""
    if not error_console.is_terminal:
        return nullcontext()
    return error_console.status(f"{verb} {file}…")


def _print(report: dict[str, Any]) -> None:
    console.print(
        f"Read {len(report['rows'])} rows ({report['encoding']}, {report['delimiter']}-separated)."
    )
    for warning in report["warnings"]:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    verb = "" if report["committed"] else "would be "
    console.print(
        f"{report['created']} {verb}created, {report['updated']} {verb}updated, "
        f"{report['unchanged']} unchanged, {len(report['errors'])} with errors."
    )
    if report["errors"]:
        table = Table(title="Rows with errors")
        for column in ("line", "email", "message"):
            table.add_column(column)
        for error in report["errors"][:_ERRORS_SHOWN]:
            table.add_row(str(error["line"]), error["email"], error["message"])
        console.print(table)
        if len(report["errors"]) > _ERRORS_SHOWN:
            console.print(f"… and {len(report['errors']) - _ERRORS_SHOWN} more (use --json).")
    if report["committed"]:
        console.print("[green]Committed.[/]")
    elif report["mode"] == "commit":
        console.print(
            "[red]Nothing was written:[/] fix the rows above, or run with --skip-invalid."
        )
    else:
        console.print("Preview only: nothing was written. Run again with --commit to import.")
