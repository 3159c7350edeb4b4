"""The ``teameval`` command: thin Typer commands over the same services the API uses.

The command tree is assembled in ``root`` and loaded on first use, not when this package is
imported: a domain's commands (``teameval.roster.csv.cli``) import the shared helpers of
``teameval.cli.common``, which imports this package first; assembling the tree here would import
that domain module again while it is half-initialised (a circular import).
"""

from __future__ import annotations

from typing import Any

# Commands that start lean: the migration tools import neither the other command groups nor
# the settings, ORM models, FastAPI or (unless drawing on a terminal) Rich, and their usual
# invocations on PostgreSQL neither Typer nor SQLAlchemy (docs/benchmarks.md).
LEAN_GROUPS = (
    "expand",
    "audit",
    "backfill",
    "verify",
    "resolve",
    "contract",
    "legacy",
    "migration",
)


def main() -> None:
    import sys

    if sys.argv[1:2] and sys.argv[1] in LEAN_GROUPS:
        from teameval.migration.__main__ import main as lean

        lean(prog_name="teameval")
        return
    from teameval.cli.root import app

    app()


def __getattr__(name: str) -> Any:
    # ``from teameval.cli import app`` (tests, the console script) still works.
    if name == "app":
        from teameval.cli.root import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
