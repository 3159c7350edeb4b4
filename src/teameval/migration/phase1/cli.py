"""Phase 1's Typer commands: ``audit enrollments`` and ``backfill enrollments``.

Thin: the runner's options, then the command itself (``commands``: open the database, call the
phase, print its report, Rich on a terminal or exactly one JSON document with ``--json``), and
exit with the documented code.
"""

from __future__ import annotations

from typing import Annotated

import typer

from teameval.migration.phase1 import commands
from teameval.migration.phase1.backfill import DEFAULT_BATCH_SIZE
from teameval.migration.runner.cli import (
    Commit,
    DatabaseUrl,
    JsonOutput,
    Limit,
    School,
    batch_size_option,
)

BatchSize = Annotated[int, batch_size_option("Student ids")]


def audit_enrollments_command(
    database_url: DatabaseUrl = None,
    school: School = None,
    json_output: JsonOutput = False,
    limit: Limit = 10,
) -> None:
    """Coverage of active group memberships by active course enrollments.

    Exit codes: 0 PASS, 1 WARNING, 2 FAIL, 3 could not run.
    """
    raise typer.Exit(commands.audit(database_url, school, json_output, limit))


def backfill_enrollments_command(
    database_url: DatabaseUrl = None,
    school: School = None,
    json_output: JsonOutput = False,
    limit: Annotated[int, typer.Option("--limit", min=0, hidden=True)] = 10,
    commit: Commit = False,
    batch_size: BatchSize = DEFAULT_BATCH_SIZE,
) -> None:
    """Create missing and reactivate inactive enrollments of active group members.

    Exit codes: 0 success (also a dry run or nothing to do), 2 a batch failed, 3 could not run.
    """
    raise typer.Exit(
        commands.backfill(database_url, school, json_output, limit, commit, batch_size)
    )
