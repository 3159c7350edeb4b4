"""The one transaction a retirement or a restore runs in, and its retries.

Like phase 2's DDL (``phase2.run_ddl``): a connection of its own in autocommit mode whose
transaction is begun and ended here. PostgreSQL: ``lock_timeout`` for the transaction, and the
whole attempt is tried again after a growing pause when it times out waiting for a lock (55P03)
or loses a deadlock (40P01), so it never queues every writer behind it for long. SQLite: foreign
keys off around the transaction (a table rebuild drops a table others point at) and the write
lock taken at once (``BEGIN IMMEDIATE``); ``PRAGMA foreign_key_check`` runs before the commit.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import sqlalchemy as sa

from teameval.migration.phase2.run_ddl import (
    LOCK_RETRIES,
    LOCK_TIMEOUT,
    RETRY_PAUSE_SECONDS,
    autocommit_connection,
)
from teameval.migration.runner.database import Connection, Database
from teameval.migration.runner.sqlalchemy_database import SqlAlchemyConnection

RETRIED_SQLSTATES = frozenset({"55P03", "40P01"})  # lock_not_available, deadlock_detected
T = TypeVar("T")


class NotCommitted(Exception):
    """A check inside the transaction refused; it was rolled back and nothing changed."""


def is_retried(error: BaseException) -> bool:
    original = getattr(error, "orig", None) or error
    return getattr(original, "sqlstate", None) in RETRIED_SQLSTATES


@contextmanager
def one_transaction(database: Database) -> Iterator[tuple[Connection, sa.Connection]]:
    """The runner's connection and its SQLAlchemy one, inside a transaction committed when the
    block ends and rolled back when it raises."""
    with autocommit_connection(database) as connection:
        if not isinstance(connection, SqlAlchemyConnection):
            raise TypeError("phase 6 runs on a SQLAlchemy connection")
        raw = connection.connection
        sqlite = connection.dialect == "sqlite"
        if sqlite:
            raw.exec_driver_sql("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction
            raw.exec_driver_sql("PRAGMA legacy_alter_table = ON")
        try:
            raw.exec_driver_sql("BEGIN IMMEDIATE" if sqlite else "BEGIN")
            if not sqlite:
                raw.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            try:
                yield connection, raw
            except BaseException:
                with contextlib.suppress(Exception):  # the first error is the one to report
                    raw.exec_driver_sql("ROLLBACK")
                raise
            raw.exec_driver_sql("COMMIT")
        finally:
            if sqlite:
                raw.exec_driver_sql("PRAGMA legacy_alter_table = OFF")
                raw.exec_driver_sql("PRAGMA foreign_keys = ON")


def with_retries(
    attempt: Callable[[], T],
    *,
    after_failed_attempt: Callable[[], None] = lambda: None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``attempt()``, tried again on a lock timeout or deadlock; ``after_failed_attempt`` runs
    after every failed try (e.g. removing what the try wrote outside the database)."""
    tries = 0
    while True:
        try:
            return attempt()
        except Exception as error:
            after_failed_attempt()
            if not is_retried(error) or tries >= LOCK_RETRIES:
                raise
        sleep(RETRY_PAUSE_SECONDS * 2**tries)
        tries += 1
