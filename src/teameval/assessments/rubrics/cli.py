"""`teameval rubrics import|export`: rubrics as files, so teachers can share them.

Exit codes of ``import``: 0 clean (previewed or committed); 1 errors in the file (nothing
written); 2 the file or the school is unusable (nothing read); 3 the database.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from teameval.cli.common import DatabaseUrlOption, console, unit_of_work
from teameval.cli.files import (
    CommitOption,
    JsonReportOption,
    SchoolOption,
    finish_report,
    run_import,
)
from teameval.config import Settings

rubrics_app = typer.Typer(
    help="Rubrics as files (JSON or CSV, and the seed platform's CSV).", no_args_is_help=True
)

EXIT_FILE_ERRORS = 1
_ERRORS_SHOWN = 50


@rubrics_app.command("import")
def import_command(
    file: Annotated[str, typer.Argument(help="The rubric file (JSON or CSV), or - for stdin.")],
    school: SchoolOption,
    commit: CommitOption = False,
    json_output: JsonReportOption = False,
    database_url: Annotated[str | None, DatabaseUrlOption] = None,
) -> None:
    """Import rubrics; a preview unless --commit, which writes all of them or nothing."""
    from teameval.assessments.rubrics.files import import_rubrics
    from teameval.audit_trail import Actor
    from teameval.roster.accounts.service import school_by_slug

    def run(session: Session, data: bytes, settings: Settings) -> dict[str, Any]:
        actor = Actor.command_line(school_by_slug(session, school).id, "rubrics import")
        result = import_rubrics(
            session,
            actor,
            data,
            max_bytes=settings.import_max_bytes,
            max_rows=settings.import_max_rows,
            commit=commit,
        )
        return result.to_dict()

    report = run_import(file, json_output, database_url, run)
    finish_report(report, json_output, _print, EXIT_FILE_ERRORS)


def _print(report: dict[str, Any]) -> None:
    console.print(f"Read a {report['format']} file ({report['encoding']}).")
    for warning in report["warnings"]:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    verb = "created" if report["committed"] else "would be created"
    for rubric in report["rubrics"]:
        ident = f" as rubric {rubric['id']}" if rubric["id"] else ""
        count = len(rubric["criteria"])
        criteria = f"{count} criterion" if count == 1 else f"{count} criteria"
        console.print(
            f"{rubric['title']!r} ({rubric['scope']}, {rubric['scale_min']}..{rubric['scale_max']}"
            f", {criteria}) {verb}{ident}.",
            highlight=False,
        )
    if report["errors"]:
        table = Table(title="Errors")
        for column in ("where", "rubric", "message"):
            table.add_column(column)
        for error in report["errors"][:_ERRORS_SHOWN]:
            where = (
                f"line {error['line']}, {error['column']}"
                if "line" in error
                else f"item {error['item']}, {error['field']}"
            )
            table.add_row(where, error.get("rubric") or "", error["message"])
        console.print(table)
        if len(report["errors"]) > _ERRORS_SHOWN:
            console.print(f"… and {len(report['errors']) - _ERRORS_SHOWN} more (use --json).")
        console.print("[red]Nothing was written.[/] Fix the errors above and run again.")
    elif report["committed"]:
        console.print("[green]Committed.[/]")
    else:
        console.print("Preview only: nothing was written. Run again with --commit to import.")


@rubrics_app.command("export")
def export_command(
    rubric_id: Annotated[int, typer.Argument(help="The rubric's id.")],
    school: SchoolOption,
    file_format: Annotated[
        Literal["json", "csv"], typer.Option("--format", help="json (default) or csv.")
    ] = "json",
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="Write to this file (default: stdout).")
    ] = None,
    database_url: Annotated[str | None, DatabaseUrlOption] = None,
) -> None:
    """Export one rubric of the school as JSON (the create body) or CSV; both import back."""
    from teameval.assessments.rubrics.files import export_rubric
    from teameval.assessments.rubrics.service import rubric_in_school
    from teameval.roster.accounts.service import school_by_slug

    with unit_of_work(database_url) as session:
        found = school_by_slug(session, school)
        rubric = rubric_in_school(session, found.id, rubric_id)
        content = export_rubric(session, rubric, file_format)
    if output is None:
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return
    Path(output).write_bytes(content)
    console.print(f"Wrote rubric {rubric_id} to {output}.", highlight=False)
