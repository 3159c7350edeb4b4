"""``python -m teameval.migration audit|backfill enrollments …``: the same commands as
``teameval audit|backfill …``, without importing the rest of the CLI (the other command groups,
the settings and the ORM models: about 0.1 s of start-up; see docs/benchmarks.md). For cron
jobs and scripts that run the audit often."""

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
