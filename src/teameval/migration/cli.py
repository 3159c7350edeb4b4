"""`teameval audit …` and `teameval backfill …` commands."""

from __future__ import annotations

import typer

audit_app = typer.Typer(
    help="Read-only checks of how far a database has migrated.", no_args_is_help=True
)
backfill_app = typer.Typer(
    help="Set-based, resumable data backfills (dry run by default).", no_args_is_help=True
)
