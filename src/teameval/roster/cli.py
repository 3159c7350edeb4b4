"""`teameval import …` commands."""

from __future__ import annotations

import typer

import_app = typer.Typer(
    help="Bulk imports (CSV), dry run (preview) by default.", no_args_is_help=True
)
