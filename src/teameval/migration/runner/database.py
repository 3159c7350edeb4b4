"""The two ways a migration command talks to its database, behind one small interface.

* :class:`~teameval.migration.runner.sqlalchemy_database.SqlAlchemyDatabase`: an engine, any
  dialect (SQLite, and PostgreSQL when a caller hands us an engine, as the tests do).
* :class:`~teameval.migration.runner.psycopg_database.PsycopgDatabase`: PostgreSQL through
  psycopg alone, with the statements' SQL compiled once and kept (``statement_cache``): the
  commands an operator types start without importing SQLAlchemy, about 0.35 s of a 0.6 s
  start-up (docs/benchmarks.md).

Both run the same :class:`~teameval.migration.runner.query.Query` objects built by the same
builders, so they cannot disagree on what a statement means. Rows are read by attribute
(``row.missing``), which both SQLAlchemy rows and psycopg's named tuples allow.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from teameval.migration.runner.query import Query

if TYPE_CHECKING:
    import sqlalchemy as sa


class Connection(ABC):
    """One connection, inside a transaction that its :class:`Database` context ends."""

    dialect: str
    server_version: tuple[int, ...]

    @abstractmethod
    def rows(self, query: Query) -> Sequence[Any]: ...

    @abstractmethod
    def rowcount(self, query: Query) -> int:
        """Rows a write statement changed."""

    @abstractmethod
    def execute_many(self, query: Query, rows: Sequence[Mapping[str, Any]]) -> None:
        """One write statement run for each of ``rows`` (its values by bind name)."""

    @abstractmethod
    def raw(self, sql: str) -> Sequence[Any]:
        """A fixed SQL text of this dialect without parameters (catalog reads, settings)."""

    def one(self, query: Query) -> Any:
        rows = self.rows(query)
        if len(rows) != 1:
            raise RuntimeError(f"{query.key[0]}: expected one row, got {len(rows)}")
        return rows[0]

    def scalar(self, query: Query) -> Any:
        rows = self.rows(query)
        return rows[0][0] if rows else None


class Database(ABC):
    dialect: str
    # The driver's errors: whatever keeps a command from running is reported as exit 3.
    errors: tuple[type[Exception], ...] = ()

    @abstractmethod
    def read(self) -> AbstractContextManager[Connection]:
        """A connection whose transaction is rolled back at the end (reads only)."""

    @abstractmethod
    def begin(self) -> AbstractContextManager[Connection]:
        """A connection whose transaction commits at the end, or rolls back on an error."""

    def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release what the database object holds (a pool, a cache to save)."""


def first_line(error: BaseException) -> str:
    """An error as one line an operator reads: the driver's message, not a wrapper's."""
    text = str(getattr(error, "orig", None) or error)
    return (text.splitlines() or [type(error).__name__])[0]


def as_connection(connection: Connection | sa.Connection) -> Connection:
    """Callers (tests, other services) may hand a phase a plain SQLAlchemy connection."""
    if isinstance(connection, Connection):
        return connection
    from teameval.migration.runner.sqlalchemy_database import SqlAlchemyConnection

    return SqlAlchemyConnection(connection)


def as_database(database: Database | sa.Engine) -> Database:
    if isinstance(database, Database):
        return database
    from teameval.migration.runner.sqlalchemy_database import SqlAlchemyDatabase

    return SqlAlchemyDatabase(database)


def read_only_snapshot(connection: Connection) -> None:
    """Make the connection's transaction read-only, enforced by the database, and on PostgreSQL
    one snapshot for all of it (REPEATABLE READ): a report made of several statements (an
    audit's batches, verify's two paths of a key, the contract's gates) must not see a writer's
    change between them. Call it first in the transaction."""
    if connection.dialect == "postgresql":
        connection.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    elif connection.dialect == "sqlite":
        connection.raw("PRAGMA query_only = ON")
