"""`teameval projects …` commands."""

from __future__ import annotations

import typer

projects_app = typer.Typer(help="Projects of a course.", no_args_is_help=True)
