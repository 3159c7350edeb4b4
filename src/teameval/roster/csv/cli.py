"""`teameval import …` commands.

Exit codes of ``import students``: 0 clean; 1 row errors (nothing written unless
``--skip-invalid``); 2 the file (or the school) is unusable, nothing read; 3 the database.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from teameval.cli.common import (
    DatabaseUrlOption,
    console,
    error_console,
)
from teameval.cli.files import (
    CommitOption,
    JsonReportOption,
    SchoolOption,
    finish_report,
    run_import,
)
from teameval.config import Settings

import_app = typer.Typer(
    help="Bulk imports (CSV), dry run (preview) by default.", no_args_is_help=True
)

EXIT_ROW_ERRORS = 1
_ERRORS_SHOWN = 50


@import_app.command("students")
def students(
    file: Annotated[str, typer.Argument(help="The CSV file, or - for standard input.")],
    school: SchoolOption,
    commit: CommitOption = False,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="With --commit: import the valid rows anyway.")
    ] = False,
    json_output: JsonReportOption = False,
    database_url: Annotated[str | None, DatabaseUrlOption] = None,
) -> None:
    """Import students from CSV (columns and synonyms: docs/import.md). Preview by default."""
    # Imported when the command runs, so `teameval` starts fast for scripted audits.
    from teameval.audit_trail import Actor
    from teameval.roster.accounts.service import school_by_slug
    from teameval.roster.csv.importer import import_students
    from teameval.roster.legacy.watch.commands import counting_command
    from teameval.roster.legacy.watch.tally import note_caller

    def run(session: Session, data: bytes, settings: Settings) -> dict[str, Any]:
        actor = Actor.command_line(school_by_slug(session, school).id, "import students")
        note_caller(actor.school_id)  # its reads of legacy teams are counted (issue 14)
        result = import_students(
            session, actor, data, settings, commit=commit, skip_invalid=skip_invalid
        )
        return result.to_dict()

    working = _working("Importing" if commit else "Checking", file)
    with counting_command("import students", database_url):
        report = run_import(file, json_output, database_url, run, working=working)
    finish_report(report, json_output, _print, EXIT_ROW_ERRORS)


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
