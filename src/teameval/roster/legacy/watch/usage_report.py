"""``teameval legacy usage`` without Typer: read the usage summary, print it (a Rich table on a
terminal, or exactly one JSON document with ``--json``), return the exit code (0; 3 when the
database cannot be used, through the migration runner's ``could_not_run``)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from teameval.cli.output import print_json, report_console, resolve_database_url
from teameval.migration.runner.command import could_not_run
from teameval.migration.runner.database import first_line
from teameval.migration.runner.report import display_url
from teameval.roster.legacy.watch.summary import UsageSummary, usage_summary

EXIT_SHOWN = 0


def _engine(url: str, json_output: bool) -> sa.Engine:
    from teameval.db import make_engine

    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as error:
        could_not_run(f"invalid database URL: {error}", json_output)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        # SQLite would create an empty file: a typo must not look like a quiet legacy API.
        if path and path != ":memory:" and not Path(path).exists():
            could_not_run(f"SQLite database file {path} does not exist", json_output)
        return make_engine(url)
    return make_engine(url, connect_args={"connect_timeout": 10})


def read_usage(url: str, days: int, school: int | None, json_output: bool) -> UsageSummary:
    engine = _engine(url, json_output)
    try:
        with engine.connect() as connection:
            return usage_summary(connection, days=days, school_id=school)
    except sa.exc.SQLAlchemyError as error:
        could_not_run(first_line(error), json_output)
    finally:
        engine.dispose()


def command(database_url: str | None, days: int, school: int | None, json_output: bool) -> int:
    url = resolve_database_url(database_url)
    summary = read_usage(url, days, school, json_output)
    if json_output:
        print_json({"database": display_url(url), **summary.to_json()})
    else:
        render(report_console(), summary, database=display_url(url))
    return EXIT_SHOWN


def render(console: Console, summary: UsageSummary, *, database: str) -> None:
    scope = f"school {summary.school_id}" if summary.school_id is not None else "all schools"
    console.print(
        f"[bold]Legacy usage[/] · {database} · {scope} · last {summary.days} days "
        f"({summary.first_day} to {summary.last_day}, UTC)"
    )
    last_call = summary.last_call_day
    console.print(
        f"Legacy route calls: {summary.calls}"
        + (f" (last on {last_call})" if last_call else "")
        + f" · requests and commands that read legacy data: {summary.reads}"
    )
    if not summary.rows:
        console.print("[green]No legacy route was called and no legacy data was read.[/]")
        return
    table = Table(show_lines=False)
    for column, justify in (
        ("route", "left"),
        ("kind", "left"),
        ("total", "right"),
        ("last day", "left"),
        ("per day", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in summary.rows:
        per_day = ", ".join(
            f"{day.isoformat()[5:]}: {count}" for day, count in sorted(row.per_day.items())
        )
        table.add_row(row.route, row.kind, str(row.total), row.last_day.isoformat(), per_day)
    console.print(table)
