"""Phase 1's commands without Typer: ``audit enrollments`` and ``backfill enrollments`` as
functions of their options that print the report and return the exit code. The Typer commands
(``cli``) and the lean argument reader (``teameval.migration.argv``) both call these.

(``teameval.cli.output`` is imported in the functions: see ``teameval.migration.runner.command``.)
"""

from __future__ import annotations

import sys

from teameval.migration.phase1.audit import audit_enrollments
from teameval.migration.phase1.backfill import DEFAULT_BATCH_SIZE, run_backfill
from teameval.migration.runner.command import fault_injection_hook, open_database, progress_bar
from teameval.migration.runner.database import read_only_snapshot


def audit(
    database_url: str | None = None,
    school: int | None = None,
    json_output: bool = False,
    limit: int = 10,
) -> int:
    from teameval.cli.output import print_json, report_console, resolve_database_url

    url = resolve_database_url(database_url)
    with open_database(url, json_output) as database, database.read() as connection:
        # The audit only reads, enforced by the database, from one snapshot for both passes.
        read_only_snapshot(connection)
        result = audit_enrollments(connection, school_id=school, sample_limit=limit)
    if json_output:
        print_json(result.to_json())
    else:
        from teameval.migration.phase1.report import render_audit
        from teameval.migration.runner.report import display_url

        render_audit(report_console(), result, database=display_url(url))
    return result.exit_code


def backfill(
    database_url: str | None = None,
    school: int | None = None,
    json_output: bool = False,
    limit: int = 10,
    commit: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> int:
    from teameval.cli.output import print_json, report_console, resolve_database_url

    del limit  # accepted for symmetry with the audit; the backfill report lists no samples
    url = resolve_database_url(database_url)
    show_progress = commit and not json_output and sys.stdout.isatty()
    with open_database(url, json_output) as database, progress_bar(show_progress) as on_progress:
        result = run_backfill(
            database,
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
        from teameval.migration.runner.report import display_url

        render_backfill(report_console(), result, database=display_url(url))
    return result.exit_code
