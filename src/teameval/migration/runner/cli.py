"""The Typer options every migration command shares (``--database-url``, ``--school``,
``--batch-size``, ``--json``, ``--limit``, ``--commit``). What the commands do around their
phase, without Typer, is ``teameval.migration.runner.command``; ``teameval.migration.argv``
reads the same options without Typer for the common invocations."""

from __future__ import annotations

from typing import Annotated

import typer

from teameval.migration.runner.command import FAIL_AFTER_ENV, KILL_AFTER_ENV

__all__ = ["FAIL_AFTER_ENV", "KILL_AFTER_ENV"]

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL; default: TEAMEVAL_DATABASE_URL, else sqlite:///./teameval.db.",
        show_default=False,
    ),
]
School = Annotated[int | None, typer.Option("--school", help="Limit to one school id.")]
JsonOutput = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else.")
]
Limit = Annotated[
    int, typer.Option("--limit", min=0, help="Sample rows listed per category in the report.")
]
Commit = Annotated[bool, typer.Option("--commit", help="Write the changes (default: dry run).")]


def batch_size_option(unit: str) -> object:
    """``--batch-size``: how many ``unit`` per batch (one transaction each); 0 = one batch."""
    return typer.Option(
        "--batch-size", min=0, help=f"{unit} per batch (one transaction each); 0 = one batch."
    )
