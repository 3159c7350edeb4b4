"""What every command shares: sessions, output (Rich or JSON) and error exits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from teameval.cli.outcome import (
    emit_json,
    error_console,
    fail,
    fail_database,
    fail_with,
)
from teameval.cli.output import resolve_database_url
from teameval.db import make_engine, make_session_factory
from teameval.errors import AppError

__all__ = ["emit_json", "error_console", "fail", "fail_database", "resolve_database_url"]

console = Console()

DatabaseUrlOption = typer.Option(
    "--database-url",
    help="SQLAlchemy URL; default: TEAMEVAL_DATABASE_URL, else sqlite:///./teameval.db.",
)


def migrate(database_url: str, revision: str = "head") -> str | None:
    """Apply the migrations and return the revision reached; an unusable database exits 3."""
    from teameval import schema  # alembic is only loaded by the commands that need it

    engine = make_engine(database_url)
    try:
        schema.upgrade(database_url, revision)
        return schema.current_revision(engine)
    except SQLAlchemyError as error:
        fail_database(error)
    finally:
        engine.dispose()


@contextmanager
def unit_of_work(database_url: str | None = None) -> Iterator[Session]:
    """One transaction for a command; domain errors and conflicts exit 1, an unusable database
    exits 3, each with one line on stderr (and a problem document under ``--json``)."""
    engine = make_engine(resolve_database_url(database_url))
    try:
        with make_session_factory(engine)() as session, session.begin():
            yield session
    except AppError as error:
        fail_with(error)
    except SQLAlchemyError as error:
        fail_database(error)
    finally:
        engine.dispose()
