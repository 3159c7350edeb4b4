"""`teameval audit …` and `teameval backfill …`: the command groups every migration phase adds
its commands to (phase 1: ``enrollments``). The commands live with their phase; what they
share (options, database handling, exit 3, progress) is ``teameval.migration.runner.cli``."""

from __future__ import annotations

import typer

from teameval.migration.phase1.cli import audit_enrollments_command, backfill_enrollments_command

audit_app = typer.Typer(
    help="Read-only checks of how far a database has migrated.", no_args_is_help=True
)
backfill_app = typer.Typer(
    help="Set-based, resumable data backfills (dry run by default).", no_args_is_help=True
)

audit_app.command("enrollments")(audit_enrollments_command)
backfill_app.command("enrollments")(backfill_enrollments_command)
