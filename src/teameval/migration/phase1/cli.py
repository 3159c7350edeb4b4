"""Phase 1's commands: ``audit enrollments`` and ``backfill enrollments``.

Thin: parse the runner's options, open the database, call the phase, print its report (Rich on
a terminal, exactly one JSON document with ``--json``), exit with the documented code.
(``teameval.cli.output`` is imported in the commands: see ``teameval.migration.runner.cli``.)
"""

from __future__ import annotations

import sys
from typing import Annotated

import sqlalchemy as sa
import typer

from teameval.migration.phase1.audit import audit_enrollments
from teameval.migration.phase1.backfill import DEFAULT_BATCH_SIZE, run_backfill
from teameval.migration.runner.cli import (
    Commit,
    DatabaseUrl,
    JsonOutput,
    Limit,
    School,
    batch_size_option,
    fault_injection_hook,
    open_database,
    progress_bar,
)
from teameval.migration.runner.report import display_url

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
    from teameval.cli.output import print_json, report_console, resolve_database_url

    url = resolve_database_url(database_url)
    with open_database(url, json_output) as engine, engine.connect() as connection:
        # Belt and braces: the audit only reads, and the database enforces it.
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SET TRANSACTION READ ONLY"))
        elif connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA query_only = ON")
        audit = audit_enrollments(connection, school_id=school, sample_limit=limit)
        connection.rollback()
    if json_output:
        print_json(audit.to_json())
    else:
        from teameval.migration.phase1.report import render_audit

        render_audit(report_console(), audit, database=display_url(url))
    raise typer.Exit(audit.exit_code)


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
    from teameval.cli.output import print_json, report_console, resolve_database_url

    del limit  # accepted for symmetry with the audit; the backfill report lists no samples
    url = resolve_database_url(database_url)
    show_progress = commit and not json_output and sys.stdout.isatty()
    with open_database(url, json_output) as engine, progress_bar(show_progress) as on_progress:
        result = run_backfill(
            engine,
            school_id=school,
            commit=commit,
            batch_size=batch_size,
            on_progress=on_progress,
            after_batch_written=fault_injection_hook(),
        )
    if json_output:
        print_json(result.to_json())
    else:
        from teameval.migration.phase1.report import render_backfill

        render_backfill(report_console(), result, database=display_url(url))
    raise typer.Exit(result.exit_code)
