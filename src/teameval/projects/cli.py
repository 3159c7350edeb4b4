"""`teameval projects …` commands: thin over ``projects.service``, like the API.

``list`` and ``create`` name the school by its slug and a course by its code. Output is a Rich
table (or one line) on a terminal, exactly one JSON document with ``--json``; failures are one
line on stderr with the exit codes of every command (``cli.outcome``: 1 domain, 3 database).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table

from teameval.cli.common import DatabaseUrlOption, console, emit_json, unit_of_work
from teameval.models import ProjectStatus

projects_app = typer.Typer(help="Projects of a course.", no_args_is_help=True)

JsonOption = typer.Option("--json", help="Print the result as JSON.")
SchoolOption = typer.Option("--school", help="The school's slug.")


def _document(project: Any, course_code: str) -> dict[str, Any]:
    from teameval.projects.schemas import ProjectOut

    return {**ProjectOut.model_validate(project).model_dump(mode="json"), "course": course_code}


def _dates(project: dict[str, Any]) -> str:
    start, end = project["start_date"] or "", project["end_date"] or ""
    return f"{start} to {end}" if start or end else ""


@projects_app.command("list")
def list_projects(
    school: Annotated[str, SchoolOption],
    course: Annotated[str | None, typer.Option("--course", help="Only this course (code).")] = None,
    status: Annotated[
        ProjectStatus | None, typer.Option("--status", help="Only projects in this status.")
    ] = None,
    database_url: Annotated[str | None, DatabaseUrlOption] = None,
    json_output: Annotated[bool, JsonOption] = False,
) -> None:
    """List the school's projects (of one course with --course), by course code and start date."""
    from teameval.projects import service as projects
    from teameval.roster.accounts.service import school_by_slug

    with unit_of_work(database_url) as session:
        found = school_by_slug(session, school)
        only = projects.course_by_code(session, found.id, course) if course else None
        rows = [
            _document(project, code)
            for project, code in projects.school_projects(session, found.id, only, status)
        ]
    if json_output:
        emit_json({"school": found.slug, "projects": rows})
        return
    table = Table(title=f"Projects of {found.slug}")
    for column in ("id", "course", "title", "status"):
        table.add_column(column)
    table.add_column("dates", no_wrap=True)
    for row in rows:
        table.add_row(str(row["id"]), row["course"], row["title"], row["status"], _dates(row))
    console.print(table)
    console.print(f"{len(rows)} project{'s' if len(rows) != 1 else ''}.")


def _create_body(title: str, description: str | None, start: str | None, end: str | None) -> Any:
    """The same body the API validates; its errors become the API's 422 naming each field."""
    from pydantic import ValidationError

    from teameval.errors import InvalidInput
    from teameval.projects.schemas import ProjectCreate

    values: dict[str, Any] = {"title": title, "description": description}
    errors: list[dict[str, str]] = []
    for field, raw in (("start_date", start), ("end_date", end)):
        try:
            values[field] = date.fromisoformat(raw) if raw is not None else None
        except ValueError:
            errors.append({"field": field, "message": f"{raw!r} is not a date (YYYY-MM-DD)"})
    try:
        body = ProjectCreate.model_validate(values)
    except ValidationError as error:
        errors.extend(
            {"field": ".".join(str(part) for part in problem["loc"]), "message": problem["msg"]}
            for problem in error.errors()
        )
    if errors:
        fields = ", ".join(problem["field"] for problem in errors)
        raise InvalidInput(f"The project is not valid ({fields}).", errors=errors)
    return body


@projects_app.command("create")
def create_project(
    school: Annotated[str, SchoolOption],
    course: Annotated[str, typer.Option("--course", help="The course's code.")],
    title: Annotated[str, typer.Option("--title", help="The project's title.")],
    description: Annotated[str | None, typer.Option("--description")] = None,
    start: Annotated[str | None, typer.Option("--start", help="Start date, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="End date, YYYY-MM-DD.")] = None,
    database_url: Annotated[str | None, DatabaseUrlOption] = None,
    json_output: Annotated[bool, JsonOption] = False,
) -> None:
    """Create a draft project in a course."""
    from teameval.audit_trail import Actor
    from teameval.projects import service as projects
    from teameval.roster.accounts.service import school_by_slug

    body = _create_body(title, description, start, end)
    with unit_of_work(database_url) as session:
        found = school_by_slug(session, school)
        target = projects.course_by_code(session, found.id, course)
        actor = Actor.command_line(found.id, "projects create")
        result = _document(projects.create_project(session, actor, target, body), target.code)
    if json_output:
        emit_json(result)
    else:
        console.print(
            f"Created project [bold]{result['title']}[/] (id {result['id']}, {result['status']}) "
            f"in {result['course']}."
        )
