"""The ``teameval`` command assembled from every domain's commands (``teameval.cli`` runs it)."""

from __future__ import annotations

import typer

from teameval.assessments.cli import assessments_app
from teameval.assessments.rubrics.cli import rubrics_app
from teameval.cli.accounts import schools_app, users_app
from teameval.cli.database import db_app
from teameval.cli.demo import demo_app
from teameval.cli.outcome import OutcomeGroup
from teameval.cli.serve import serve
from teameval.migration.cli import MIGRATION_GROUPS
from teameval.projects.cli import projects_app
from teameval.projects.teams.cli import teams_app
from teameval.roster.csv.cli import import_app

app = typer.Typer(
    name="teameval",
    help="teameval: rosters, project teams and assessments, and the migration toolkit "
    "off legacy groups. Settings come from TEAMEVAL_* environment variables.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
    cls=OutcomeGroup,  # one line on stderr (and one JSON document) for every failure
)
app.command()(serve)
app.add_typer(demo_app, name="demo")
app.add_typer(db_app, name="db")
app.add_typer(schools_app, name="schools")
app.add_typer(users_app, name="users")
app.add_typer(import_app, name="import")
app.add_typer(projects_app, name="projects")
app.add_typer(teams_app, name="teams")
app.add_typer(rubrics_app, name="rubrics")
app.add_typer(assessments_app, name="assessments")
for name, group in MIGRATION_GROUPS:
    app.add_typer(group, name=name)


def main() -> None:
    app()
