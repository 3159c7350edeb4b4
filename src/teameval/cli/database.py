from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from teameval.cli.common import (
    DatabaseUrlOption,
    console,
    emit_json,
    error_console,
    fail,
    fail_database,
    migrate,
    resolve_database_url,
)
from teameval.db import make_engine

db_app = typer.Typer(
    help="Database schema: upgrade, current revision, drift check.", no_args_is_help=True
)


@db_app.command()
def upgrade(
    database_url: Annotated[str | None, DatabaseUrlOption] = None,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Apply the migrations (back up a production database first)."""
    reached = migrate(resolve_database_url(database_url), revision)
    console.print(f"Database at revision [bold]{reached}[/].")


@db_app.command()
def current(
    database_url: Annotated[str | None, DatabaseUrlOption] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the database's revision and whether it is up to date (exit 1 when it is not)."""
    from teameval import schema

    engine = make_engine(resolve_database_url(database_url))
    try:
        revision = schema.current_revision(engine)
    except SQLAlchemyError as error:
        fail_database(error)
    finally:
        engine.dispose()
    head = schema.head_revision()
    if json_output:
        emit_json({"current": revision, "head": head, "up_to_date": revision == head})
    else:
        state = "up to date" if revision == head else "BEHIND: run `teameval db upgrade`"
        console.print(f"current: {revision or '(empty database)'}  head: {head}  ({state})")
    if revision != head:
        raise typer.Exit(1)


@db_app.command()
def check(database_url: Annotated[str | None, DatabaseUrlOption] = None) -> None:
    """Fail (exit 1) when the database's schema and the models disagree: tables, columns,
    defaults, keys, indexes (expressions, partial conditions), CHECK constraints."""
    from alembic.util.exc import CommandError

    from teameval import schema
    from teameval.schema_compare import SchemaDrift

    try:
        schema.check(resolve_database_url(database_url))
    except SQLAlchemyError as error:
        fail_database(error)
    except SchemaDrift as drift:
        for difference in drift.differences:
            error_console.print(f"- {difference}", highlight=False, soft_wrap=True, markup=False)
        fail(f"models and database schema disagree ({len(drift.differences)} differences)")
    except CommandError as error:
        fail(f"models and migrations disagree: {error}")
    console.print("Models and migrations agree.")
