"""``python -m teameval.migration audit|backfill enrollments …``: the migration commands alone.
``teameval audit|backfill …`` runs this same entry (``teameval.cli.main`` hands those groups to
it), so neither imports the other command groups, the settings, the ORM models or FastAPI, and
the usual invocations not even Typer (``teameval.migration.argv``; start-up:
docs/benchmarks.md)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer


def typer_app() -> typer.Typer:
    import typer

    from teameval.migration.cli import MIGRATION_GROUPS

    app = typer.Typer(
        name="teameval-migration",
        help="teameval migration toolkit off the legacy groups model: expand, audit, backfill, "
        "verify, resolve and contract.",
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
    )
    for name, group in MIGRATION_GROUPS:
        app.add_typer(group, name=name)
    return app


def main(prog_name: str | None = None) -> None:
    from teameval.migration.argv import run

    code = run(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    typer_app()(prog_name=prog_name)


if __name__ == "__main__":
    main()
