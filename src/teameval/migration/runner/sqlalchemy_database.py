"""The runner's database interface over a SQLAlchemy engine or connection: any dialect."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from teameval.migration.runner.database import Connection, Database
from teameval.migration.runner.query import Query


class SqlAlchemyConnection(Connection):
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self.server_version = tuple(
            int(part)
            for part in connection.dialect.server_version_info or ()
            if isinstance(part, int)
        )

    def rows(self, query: Query) -> Sequence[Any]:
        return self.connection.execute(query.build(), dict(query.values)).all()

    def rowcount(self, query: Query) -> int:
        return int(self.connection.execute(query.build(), dict(query.values)).rowcount)

    def execute_many(self, query: Query, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self.connection.execute(query.build(), [dict(row) for row in rows])

    def raw(self, sql: str) -> Sequence[Any]:
        result = self.connection.exec_driver_sql(sql)
        return result.all() if result.returns_rows else []

    def rollback(self) -> None:
        self.connection.rollback()


class SqlAlchemyDatabase(Database):
    errors = (sa.exc.SQLAlchemyError,)

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield SqlAlchemyConnection(connection)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            yield SqlAlchemyConnection(connection)
