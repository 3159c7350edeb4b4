"""``teameval migration status``: the Typer command, thin over ``status.command``."""

from __future__ import annotations

from typing import Annotated

import typer

from teameval.migration.runner.cli import DatabaseUrl, JsonOutput, School

DEFAULT_QUIET_DAYS = 30  # as teameval.migration.status.service (not imported: lean start)

QuietDays = Annotated[
    int,
    typer.Option(
        "--quiet-days",
        min=1,
        help="The window of the shadow and usage counts: today and the N-1 days before.",
    ),
]


def status_command(
    database_url: DatabaseUrl = None,
    school: School = None,
    json_output: JsonOutput = False,
    quiet_days: QuietDays = DEFAULT_QUIET_DAYS,
) -> None:
    """Every phase of the migration off legacy groups, its gates with their current figures,
    what is left and the one command to run next. Reads only.

    Exit codes: 0 the report (whatever it says), 3 could not run.
    """
    from teameval.migration.status import command

    raise typer.Exit(command.run(database_url, school, json_output, quiet_days))
