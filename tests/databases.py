"""Throwaway databases for tests and benchmarks: one per test, on SQLite and on PostgreSQL.

A migrated template is built once per test process; each test copies it (a file copy on SQLite,
``CREATE DATABASE … TEMPLATE`` on PostgreSQL), so isolation costs milliseconds, not a migration.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get(
    "TEAMEVAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def postgres_unreachable_reason() -> str | None:
    """None when the test PostgreSQL answers, else why it does not."""
    engine = sa.create_engine(ADMIN_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return None
    except sa.exc.OperationalError as error:
        return f"PostgreSQL at {make_url(ADMIN_URL).render_as_string()} unreachable: {error.orig}"
    finally:
        engine.dispose()


def admin_execute(statement: str, admin_url: str = ADMIN_URL) -> None:
    """Run a statement outside any transaction (CREATE/DROP DATABASE) as the server's admin."""
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(statement))
    finally:
        engine.dispose()


def postgres_url(name: str, admin_url: str = ADMIN_URL) -> str:
    """The URL of database ``name`` on the admin URL's server."""
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@contextmanager
def throwaway_postgres(template: str | None = None) -> Iterator[str]:
    name = f"teameval_test_{uuid.uuid4().hex[:12]}"
    clause = f' TEMPLATE "{template}"' if template else ""
    admin_execute(f'CREATE DATABASE "{name}"{clause}')
    try:
        yield postgres_url(name)
    finally:
        admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def throwaway_sqlite(directory: Path, template: Path | None = None) -> Iterator[str]:
    path = directory / f"teameval_{uuid.uuid4().hex[:12]}.db"
    if template is not None:
        shutil.copyfile(template, path)
    yield f"sqlite:///{path}"
