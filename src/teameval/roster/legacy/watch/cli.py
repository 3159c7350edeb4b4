"""``teameval legacy usage``: calls of the legacy routes and reads of legacy data by other routes
and commands, per route and kind, per day, over the last N days (``legacy_usage_counts``).

On the lean path (``teameval.cli.LEAN_GROUPS``): only Typer and the runner's options are
imported here; the work is in ``watch.usage_report``, imported when the command runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from teameval.migration.runner.cli import DatabaseUrl, JsonOutput, School

DEFAULT_DAYS = 30
Days = Annotated[
    int,
    typer.Option("--days", min=1, help="The last N days: today (UTC) and the N-1 days before."),
]


def legacy_usage_command(
    days: Days = DEFAULT_DAYS,
    school: School = None,
    json_output: JsonOutput = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Legacy route calls and legacy data reads per route, kind and day: totals and the last
    day each was used. Read-only.

    Exit codes: 0 shown (whatever the counts), 3 could not run.
    """
    from teameval.roster.legacy.watch import usage_report

    raise typer.Exit(usage_report.command(database_url, days, school, json_output))
