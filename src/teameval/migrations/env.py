"""Alembic environment: one history for SQLite and PostgreSQL."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import context
from sqlalchemy import Connection

from teameval.config import get_settings
from teameval.db import make_engine
from teameval.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


@contextmanager
def _expression_indexes_known(connection: Connection) -> Iterator[None]:
    """SQLite cannot reflect expression indexes (``uq_courses_school_id_lower_code``), so
    SQLAlchemy and Alembic warn and skip comparing them there; PostgreSQL compares them. The
    warning is expected, so it must not fail ``alembic check`` or a test run."""
    with warnings.catch_warnings():
        if connection.dialect.name == "sqlite":
            warnings.filterwarnings("ignore", message=".*expression-based index")
        yield


class ForeignKeyViolations(RuntimeError):
    """A migration left rows whose foreign keys point nowhere (SQLite checks them at the end)."""


@contextmanager
def _sqlite_foreign_keys_deferred(connection: Connection) -> Iterator[None]:
    """Batch mode rebuilds a table by copy, drop and rename; with SQLite's foreign keys on,
    dropping a referenced table (``groups``) fails or orphans its children. SQLite's documented
    procedure: keys off outside the transaction, ``PRAGMA foreign_key_check`` before commit,
    keys on again. The pragma only works outside a transaction, so a caller's open one keeps
    its setting (``yield`` without change)."""
    if connection.dialect.name != "sqlite" or connection.in_transaction():
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")


def _check_sqlite_foreign_keys(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if violations:
        listing = ", ".join(f"{row[0]} rowid {row[1]} -> {row[2]}" for row in violations[:20])
        raise ForeignKeyViolations(f"the migration would leave dangling references: {listing}")


def _run(connection: Connection) -> None:
    _configure(connection)
    with (
        _sqlite_foreign_keys_deferred(connection),
        _expression_indexes_known(connection),
        context.begin_transaction(),
    ):
        context.run_migrations()
        _check_sqlite_foreign_keys(connection)


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
