"""What every command shares: sessions, output (Rich or JSON) and error exits."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from teameval.config import Settings
from teameval.db import make_engine, make_session_factory
from teameval.errors import AppError

console = Console()
error_console = Console(stderr=True)

DatabaseUrlOption = typer.Option(
    "--database-url",
    help="SQLAlchemy URL; default: TEAMEVAL_DATABASE_URL, else sqlite:///./teameval.db.",
)


def resolve_database_url(database_url: str | None) -> str:
    # Read the environment afresh (not the cached settings): one process may run many commands.
    return database_url or Settings().database_url


def fail(message: str, code: int = 1) -> NoReturn:
    error_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def migrate(database_url: str, revision: str = "head") -> str | None:
    """Apply the migrations and return the revision reached; an unusable database exits 3."""
    from teameval import schema  # alembic is only loaded by the commands that need it

    engine = make_engine(database_url)
    try:
        schema.upgrade(database_url, revision)
        return schema.current_revision(engine)
    except OperationalError as error:
        fail(f"cannot use the database: {error.orig}", code=3)
    finally:
        engine.dispose()


@contextmanager
def unit_of_work(database_url: str | None = None) -> Iterator[Session]:
    """One transaction for a command; domain errors become a one-line message and exit 1."""
    engine = make_engine(resolve_database_url(database_url))
    try:
        with make_session_factory(engine)() as session, session.begin():
            yield session
    except AppError as error:
        fail(error.detail)
    except OperationalError as error:
        fail(f"cannot use the database: {error.orig}", code=3)
    finally:
        engine.dispose()


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
