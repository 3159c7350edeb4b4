"""`teameval teams …` commands: show a project's teams, import them from CSV, generate them.

``import`` and ``generate`` are dry runs unless ``--commit``, like ``teameval import students``,
and share its exit codes: 0 clean; 1 line errors (nothing written) or a domain error; 2 the file
(or the school or project) is unusable, nothing read; 3 the database.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from teameval.cli.common import DatabaseUrlOption, console, emit_json, unit_of_work
from teameval.cli.files import CommitOption, SchoolOption, exit_unusable, finish_report, run_import
from teameval.config import Settings
from teameval.errors import AppError, InvalidInput, NotFound

teams_app = typer.Typer(help="Project teams: show, import, generate.", no_args_is_help=True)

EXIT_LINE_ERRORS = 1
_ERRORS_SHOWN = 50

ProjectOption = Annotated[int, typer.Option("--project", help="The project's id.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


@teams_app.command("show")
def show(
    school: SchoolOption,
    project: ProjectOption,
    history: Annotated[
        bool, typer.Option("--history", help="Every version, not only the current teams.")
    ] = False,
    json_output: JsonOption = False,
    database_url: Annotated[str | None, DatabaseUrlOption] = None,
) -> None:
    """The project's current teams with their members (``--history``: every version)."""
    from teameval.projects.teams.sources.shown import project_of_school, shown_teams
    from teameval.roster.accounts.service import school_by_slug

    unusable: AppError | None = None
    teams: list[dict[str, Any]] = []
    with unit_of_work(database_url) as session:
        try:
            found = project_of_school(session, school_by_slug(session, school).id, project)
            teams = shown_teams(session, found, history=history)
        except NotFound as error:
            unusable = error
    if unusable is not None:
        exit_unusable(unusable, json_output)
    if json_output:
        emit_json({"project_id": project, "teams": teams})
        return
    if history:
        _print_history(project, teams)
        return
    table = Table(title=f"Project {project}: current teams")
    for column in ("team", "name", "version", "locked", "members"):
        table.add_column(column)
    for team in teams:
        table.add_row(
            str(team["team_number"]),
            team["name"],
            str(team["version"]),
            team["lock_reason"] or "",
            _names(team["members"]),
        )
    console.print(table)


def _names(members: list[dict[str, Any]]) -> str:
    return ", ".join(member["name"] for member in members) or "—"


def _print_history(project: int, numbers: list[dict[str, Any]]) -> None:
    table = Table(title=f"Project {project}: every team version")
    for column in ("team", "version", "name", "current", "from", "until", "locked", "members"):
        table.add_column(column)
    for number in numbers:
        for version in number["versions"]:
            table.add_row(
                str(number["team_number"]),
                str(version["version"]),
                version["name"],
                "yes" if version["is_current"] else ("archived" if version["archived"] else ""),
                version["current_from"][:16],
                (version["current_until"] or "")[:16],
                version["lock_reason"] or "",
                _names(version["members"]),
            )
    console.print(table)


@teams_app.command("import")
def import_teams(
    file: Annotated[str, typer.Argument(help="The CSV file, or - for standard input.")],
    school: SchoolOption,
    project: ProjectOption,
    commit: CommitOption = False,
    json_output: JsonOption = False,
    database_url: Annotated[str | None, DatabaseUrlOption] = None,
) -> None:
    """Replace the project's teams from CSV (team_number and email or student_number, optional
    team_name). Preview by default; a file with any line error is never written."""
    from teameval.audit_trail import Actor
    from teameval.projects.teams.sources.service import import_teams as run_import_teams
    from teameval.projects.teams.sources.shown import project_of_school
    from teameval.roster.accounts.service import school_by_slug

    def run(session: Session, data: bytes, settings: Settings) -> dict[str, Any]:
        found_school = school_by_slug(session, school)
        found = project_of_school(session, found_school.id, project)
        actor = Actor.command_line(found_school.id, "teams import")
        try:
            result = run_import_teams(session, actor, found, data, settings, commit=commit)
        except InvalidInput as error:  # a commit with line errors: the same report
            if "valid" not in error.extensions:
                raise
            return dict(error.extensions)
        return result.model_dump()

    report = run_import(file, json_output, database_url, run)
    finish_report(
        report, json_output, lambda shown: _print_plan(shown, rerun="--commit"), EXIT_LINE_ERRORS
    )


@teams_app.command("generate")
def generate(
    school: SchoolOption,
    project: ProjectOption,
    size: Annotated[int, typer.Option("--size", min=2, max=50, help="The team size k.")],
    seed: Annotated[
        int | None,
        typer.Option("--seed", min=0, max=2**31 - 1, help="Reproduce a layout (default: drawn)."),
    ] = None,
    unassigned: Annotated[
        bool,
        typer.Option(
            "--unassigned", help="Only students in no current team; keep the existing teams."
        ),
    ] = False,
    commit: CommitOption = False,
    json_output: JsonOption = False,
    database_url: Annotated[str | None, DatabaseUrlOption] = None,
) -> None:
    """Deal the course's enrolled students into ceil(n / size) random teams whose sizes differ
    by at most one. Preview by default; the seed printed reproduces the layout."""
    from teameval.audit_trail import Actor
    from teameval.projects.teams.sources.service import generate_teams
    from teameval.projects.teams.sources.shown import project_of_school
    from teameval.roster.accounts.service import school_by_slug

    unusable: AppError | None = None
    report: dict[str, Any] = {}
    with unit_of_work(database_url) as session:
        try:
            found_school = school_by_slug(session, school)
            found = project_of_school(session, found_school.id, project)
        except NotFound as error:
            unusable = error
        else:
            actor = Actor.command_line(found_school.id, "teams generate")
            include = "unassigned" if unassigned else "all"
            result = generate_teams(session, actor, found, size, seed, include, commit=commit)
            report = {**result.model_dump(), "committed": commit}
    if unusable is not None:
        exit_unusable(unusable, json_output)
    if json_output:
        emit_json(report)
        return
    console.print(f"Seed {report['seed']}, team size {report['team_size']}.")
    _print_plan(report, rerun=f"--seed {report['seed']} --commit")


def _print_plan(report: dict[str, Any], *, rerun: str) -> None:
    if report.get("encoding"):
        console.print(f"Read {report['encoding']}, {report['delimiter']}-separated.")
    errors = report.get("errors", [])
    if errors:
        table = Table(title="Lines with errors")
        for column in ("line", "field", "message"):
            table.add_column(column)
        for error in errors[:_ERRORS_SHOWN]:
            table.add_row(str(error["line"]), error["field"], error["message"])
        console.print(table)
        if len(errors) > _ERRORS_SHOWN:
            console.print(f"… and {len(errors) - _ERRORS_SHOWN} more (use --json).")
    changes = report.get("changes", [])
    if changes:
        table = Table(title="Changes" if report["committed"] else "Planned changes")
        for column in ("team", "action", "added", "removed"):
            table.add_column(column)
        for change in changes:
            table.add_row(
                str(change["team_number"]),
                change["action"],
                ", ".join(map(str, change["added"])),
                ", ".join(map(str, change["removed"])),
            )
        console.print(table)
    if report["committed"]:
        console.print("[green]Committed.[/]")
    elif errors:
        console.print("[red]Nothing was written:[/] fix the lines above and try again.")
    else:
        console.print(f"Preview only: nothing was written. Run again with {rerun} to write it.")
