"""`teameval assessments …` commands: thin over the assessments' services, like the API.

``list`` names the school by its slug (and optionally a project by id); ``results`` answers what
``GET /assessments/{id}/results`` answers: the latest publication's stored rows while published,
else a preview from the sheets. Output is a Rich table on a terminal, exactly one JSON document
with ``--json``; failures are one line on stderr with the exit codes of every command.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from teameval.cli.common import DatabaseUrlOption, console, emit_json, unit_of_work

assessments_app = typer.Typer(help="Assessments of project teams.", no_args_is_help=True)

JsonOption = typer.Option("--json", help="Print the result as JSON.")
SchoolOption = typer.Option("--school", help="The school's slug.")


@assessments_app.command("list")
def list_assessments(
    school: Annotated[str, SchoolOption],
    project: Annotated[
        int | None, typer.Option("--project", min=1, help="Only this project (id).")
    ] = None,
    database_url: Annotated[str | None, DatabaseUrlOption] = None,
    json_output: Annotated[bool, JsonOption] = False,
) -> None:
    """List the school's assessments (of one project with --project), by project and id."""
    from teameval.assessments.lifecycle import service as assessments
    from teameval.assessments.lifecycle.schemas import AssessmentOut
    from teameval.roster.accounts.service import school_by_slug

    with unit_of_work(database_url) as session:
        found = school_by_slug(session, school)
        rows = [
            AssessmentOut.model_validate(row).model_dump(mode="json")
            for row in assessments.school_assessments(session, found.id, project)
        ]
    if json_output:
        emit_json({"school": found.slug, "assessments": rows})
        return
    table = Table(title=f"Assessments of {found.slug}")
    for column in ("id", "project", "title", "kind", "status", "revision"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["id"]),
            str(row["project_id"]),
            row["title"],
            row["kind"],
            row["status"],
            str(row["revision"]),
        )
    console.print(table)
    console.print(f"{len(rows)} assessment{'s' if len(rows) != 1 else ''}.")


@assessments_app.command("results")
def results(
    school: Annotated[str, SchoolOption],
    assessment: Annotated[int, typer.Option("--assessment", min=1, help="The assessment's id.")],
    database_url: Annotated[str | None, DatabaseUrlOption] = None,
    json_output: Annotated[bool, JsonOption] = False,
) -> None:
    """An assessment's results: the published rows, or a preview while not published."""
    from teameval.assessments.lifecycle import service as assessments
    from teameval.assessments.results.reads import results_of
    from teameval.roster.accounts.service import school_by_slug

    with unit_of_work(database_url) as session:
        found = school_by_slug(session, school)
        target = assessments.assessment_in_school(session, found.id, assessment)
        document = results_of(session, target).model_dump(mode="json")
    if json_output:
        emit_json(document)
        return
    source = (
        f"revision {document['revision']}"
        if document["source"] == "publication"
        else "preview (not published)"
    )
    table = Table(title=f"Results of assessment {assessment}: {source}")
    for column in ("team", "student", "number", "weighted score", "grade"):
        table.add_column(column)
    for item in document["items"]:
        table.add_row(
            str(item["team_number"]),
            item["name"],
            item["student_number"] or "",
            item["weighted_score"] or "incomplete",
            item["grade"] or "",
        )
    console.print(table)
    graded = sum(1 for item in document["items"] if item["grade"] is not None)
    console.print(f"{graded} of {len(document['items'])} students graded.")
