"""`teameval rubrics import|export`: rubrics as files, so teachers can share them.

Exit codes of ``import``: 0 clean (previewed or committed); 1 errors in the file (nothing
written); 2 the file or the school is unusable (nothing read); 3 the database.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn

import typer
from rich.table import Table

from teameval.cli.common import DatabaseUrlOption, console, emit_json, fail, unit_of_work
from teameval.config import Settings
from teameval.errors import AppError, NotFound

rubrics_app = typer.Typer(
    help="Rubrics as files (JSON or CSV, and the seed platform's CSV).", no_args_is_help=True
)

EXIT_FILE_ERRORS = 1
EXIT_UNUSABLE = 2
_ERRORS_SHOWN = 50


def _read(path: str, limit: int) -> bytes:
    from teameval.kit.csv_files import unusable

    if path == "-":
        return sys.stdin.buffer.read(limit + 1)
    file = Path(path)
    if not file.is_file():
        raise unusable(f"{path}: no such file.")
    with file.open("rb") as handle:
        return handle.read(limit + 1)


def _exit_unusable(error: AppError, json_output: bool) -> NoReturn:
    if json_output:
        emit_json(error.to_problem())
    fail(error.detail, code=EXIT_UNUSABLE)


@rubrics_app.command("import")
def import_command(
    file: Annotated[str, typer.Argument(help="The rubric file (JSON or CSV), or - for stdin.")],
    school: Annotated[str, typer.Option(help="The school's slug.")],
    commit: Annotated[bool, typer.Option("--commit", help="Write (default: preview).")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    database_url: Annotated[str | None, DatabaseUrlOption] = None,
) -> None:
    """Import rubrics; a preview unless --commit, which writes all of them or nothing."""
    from teameval.assessments.rubrics.files import import_rubrics
    from teameval.audit_trail import Actor
    from teameval.kit.csv_files import FileTooLarge, UnusableFile
    from teameval.roster.accounts.service import school_by_slug

    settings = Settings()
    try:
        data = _read(file, settings.import_max_bytes)
    except UnusableFile as error:
        _exit_unusable(error, json_output)
    unusable: AppError | None = None
    report: dict[str, Any] = {}
    with unit_of_work(database_url) as session:
        try:
            found = school_by_slug(session, school)
            actor = Actor.command_line(found.id, "rubrics import")
            result = import_rubrics(
                session,
                actor,
                data,
                max_bytes=settings.import_max_bytes,
                max_rows=settings.import_max_rows,
                commit=commit,
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
        raise typer.Exit(EXIT_FILE_ERRORS)


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
    school: Annotated[str, typer.Option(help="The school's slug.")],
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
