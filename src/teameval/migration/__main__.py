"""``python -m teameval.migration audit|backfill enrollments …``: the migration commands alone.
``teameval audit|backfill …`` runs this same app (``teameval.cli.main`` hands those groups to
it), so neither imports the other command groups, the settings, the ORM models or FastAPI
(start-up: docs/benchmarks.md)."""

from __future__ import annotations

import typer

from teameval.migration.cli import audit_app, backfill_app

app = typer.Typer(
    name="teameval-migration",
    help="teameval migration toolkit: audits and backfills off the legacy groups model.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(audit_app, name="audit")
app.add_typer(backfill_app, name="backfill")

if __name__ == "__main__":
    app()
