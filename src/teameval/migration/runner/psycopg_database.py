"""The runner's database interface on PostgreSQL through psycopg alone: no SQLAlchemy import
unless a statement is not in the cache yet (``statement_cache``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from psycopg.types.json import Json

from teameval.migration.runner.database import Connection, Database
from teameval.migration.runner.query import Query
from teameval.migration.runner.statement_cache import StatementCache

DRIVER_PREFIX = "postgresql+psycopg://"


def conninfo(url: str) -> str:
    """libpq reads the same URL once the SQLAlchemy driver name is gone."""
    return "postgresql://" + url.removeprefix(DRIVER_PREFIX)


class PsycopgConnection(Connection):
    def __init__(self, connection: psycopg.Connection[Any], cache: StatementCache) -> None:
        self.connection = connection
        self.cache = cache
        self.dialect = "postgresql"
        number = connection.info.server_version  # e.g. 150020
        self.server_version = (number // 10000, number % 10000)

    def _execute(self, query: Query) -> psycopg.Cursor[Any]:
        sql, params = self._statement(query, query.values)
        cursor = self.connection.cursor(row_factory=namedtuple_row)
        cursor.execute(sql, params)
        return cursor

    def _statement(self, query: Query, values: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        entry = self.cache.compiled(query, self.server_version)
        params = {**entry.constants, **values}
        sql = entry.sql
        for name in entry.expanding:
            items = list(params.pop(name))
            names = [f"{name}__{number}" for number in range(len(items))]
            placeholders = ", ".join(f"%({item})s" for item in names) or "NULL"
            sql = sql.replace(f"__[POSTCOMPILE_{name}]", placeholders)
            params.update(zip(names, items, strict=True))
        for name in entry.json_params:
            params[name] = Json(params[name])
        return sql, params

    def execute_many(self, query: Query, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        # One statement text for every row: IN lists would differ per row, so none are allowed.
        statements = [self._statement(query, row) for row in rows]
        sql = statements[0][0]
        with self.connection.cursor() as cursor:
            cursor.executemany(sql, [params for _sql, params in statements])

    def rows(self, query: Query) -> Sequence[Any]:
        return self._execute(query).fetchall()

    def rowcount(self, query: Query) -> int:
        return self._execute(query).rowcount

    def raw(self, sql: str) -> Sequence[Any]:
        cursor = self.connection.cursor(row_factory=namedtuple_row)
        cursor.execute(sql)
        return cursor.fetchall() if cursor.description else []


class PsycopgDatabase(Database):
    """One connection for the whole command, opened on first use (so a refused connection is
    an error of the command's database block, exit 3, as on the SQLAlchemy path)."""

    errors = (psycopg.Error,)

    def __init__(self, url: str, cache: StatementCache) -> None:
        self.conninfo = conninfo(url)
        self.cache = cache
        self.dialect = "postgresql"
        self._connection: PsycopgConnection | None = None

    def _connect(self) -> PsycopgConnection:
        if self._connection is None or self._connection.connection.closed:
            # prepare_threshold=None: never a server-side prepared statement, so each batch is
            # planned for its own range (a generic plan would guess the range's selectivity).
            raw = psycopg.connect(self.conninfo, connect_timeout=10, prepare_threshold=None)
            self._connection = PsycopgConnection(raw, self.cache)
        return self._connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        connection = self._connect()
        try:
            yield connection
        except BaseException:
            with contextlib.suppress(psycopg.Error):  # the first error is the one to report
                connection.connection.rollback()
            raise
        connection.connection.rollback()

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        connection = self._connect()
        try:
            yield connection
        except BaseException:
            with contextlib.suppress(psycopg.Error):
                connection.connection.rollback()
            raise
        connection.connection.commit()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.connection.close()
        self.cache.save()
