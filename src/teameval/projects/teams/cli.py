"""`teameval teams …` commands."""

from __future__ import annotations

import typer

teams_app = typer.Typer(help="Project teams: show, import, generate.", no_args_is_help=True)
