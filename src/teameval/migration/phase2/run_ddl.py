"""How phase 2's DDL steps (``ddl.Step``) run, for ``expand`` and ``contract`` alike.

Each step runs on its own, on a connection of its own in autocommit mode, its transaction begun
and ended here: the dialect driver never opens a transaction we did not ask for (SQLite's Python
driver would otherwise run DDL outside one), and PostgreSQL's ``CONCURRENTLY`` builds can run
outside any. On PostgreSQL every transaction sets ``lock_timeout`` and a step that times out
waiting for a lock (55P03) is tried again after a growing pause: a DDL statement queued behind
a long transaction would otherwise hold up every writer queued behind it. A failed index build
leaves an INVALID index, dropped (the step's ``cleanup``) before the next try and after the
last, so a failure changes nothing.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from teameval.migration.phase2 import sqlite_rebuild
from teameval.migration.phase2.catalog import SCORES
from teameval.migration.phase2.ddl import Step
from teameval.migration.runner.database import Connection, Database

LOCK_TIMEOUT = "5s"
# Tries after the first one, and the first pause (doubled each time): 0.5 + 1 + 2 + 4 + 8 s.
LOCK_RETRIES = 5
RETRY_PAUSE_SECONDS = 0.5
LOCK_NOT_AVAILABLE = "55P03"


@contextmanager
def autocommit_connection(database: Database) -> Iterator[Connection]:
    """A connection of its own in autocommit mode: no transaction unless a step begins one."""
    from teameval.migration.runner.psycopg_database import PsycopgDatabase

    if isinstance(database, PsycopgDatabase):
        import psycopg

        from teameval.migration.runner.psycopg_database import PsycopgConnection

        raw = psycopg.connect(
            database.conninfo, connect_timeout=10, autocommit=True, prepare_threshold=None
        )
        try:
            yield PsycopgConnection(raw, database.cache)
        finally:
            raw.close()
        return
    from teameval.migration.runner.sqlalchemy_database import (
        SqlAlchemyConnection,
        SqlAlchemyDatabase,
    )

    if not isinstance(database, SqlAlchemyDatabase):
        raise TypeError(f"no autocommit connection for {type(database).__name__}")
    with database.engine.connect() as connection:
        # pysqlite: isolation_level None, so it never begins a transaction by itself.
        yield SqlAlchemyConnection(connection.execution_options(isolation_level="AUTOCOMMIT"))


def is_lock_timeout(error: BaseException) -> bool:
    original = getattr(error, "orig", None) or error
    return getattr(original, "sqlstate", None) == LOCK_NOT_AVAILABLE


@contextmanager
def transaction(connection: Connection) -> Iterator[Connection]:
    """An explicit transaction on an autocommit connection; ``lock_timeout`` on PostgreSQL, the
    write lock taken at once on SQLite (so nobody writes between our reads and our DDL)."""
    if connection.dialect == "sqlite":
        connection.raw("BEGIN IMMEDIATE")
    else:
        connection.raw("BEGIN")
        connection.raw(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    try:
        yield connection
    except BaseException:
        with contextlib.suppress(Exception):  # the first error is the one to report
            connection.raw("ROLLBACK")
        raise
    connection.raw("COMMIT")


def _try_step(connection: Connection, step: Step) -> None:
    if step.mode == "sqlite_rebuild":
        sqlite_rebuild.execute(
            connection, SCORES, "project_team_id", step.statements, check=step.check
        )
        return
    if step.mode == "outside_transaction":
        if connection.dialect == "postgresql":
            connection.raw(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        for statement in step.statements:
            connection.raw(statement)
        return
    with transaction(connection):
        for statement in step.statements:
            connection.raw(statement)
        if step.check is not None:
            step.check(connection)


def run_step(
    connection: Connection,
    step: Step,
    *,
    retries: int | None = None,
    pause: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Run ``step`` on an autocommit connection; retried on a lock timeout, cleaned up after
    every failed try. Raises the last error."""
    retries = LOCK_RETRIES if retries is None else retries
    pause = RETRY_PAUSE_SECONDS if pause is None else pause
    attempt = 0
    while True:
        try:
            _try_step(connection, step)
            return
        except Exception as error:
            for statement in step.cleanup:
                with contextlib.suppress(Exception):
                    connection.raw(statement)
            if not is_lock_timeout(error) or attempt >= retries:
                raise
        sleep(pause * 2**attempt)
        attempt += 1


def run_steps(
    database: Database,
    steps: Sequence[Step],
    *,
    on_applied: Callable[[Step], None],
) -> None:
    """Run the steps not done yet, in order, each on its own; stop at the first failure."""
    pending = [step for step in steps if not step.done]
    if not pending:
        return
    with autocommit_connection(database) as connection:
        for step in pending:
            run_step(connection, step)
            on_applied(step)
