"""The archive's rows: read from the database in key order, one JSON object per line, and back.

Values are what the driver answers, so nothing is lost to a type's processing: SQLite's stored
values as they are (integers, reals, text, blobs), PostgreSQL's as psycopg reads them. JSON
holds ``null``, booleans, integers, finite floats and text as themselves; every other value is
an object with one key naming its type (``{"$datetime": "2026-09-01T10:00:00+00:00"}``,
``$date``, ``$time``, ``$decimal``, ``$bytes`` (base64), ``$uuid``, ``$interval`` (seconds),
``$float`` (NaN and infinities), ``$json``), read back to the same value. A timestamp with a
time zone is written in UTC, so the text does not depend on the session's time zone.

A member's SHA-256 is that of its bytes; the same rows read again give the same bytes, which is
how the archive is checked against the database before the removal and after a restore.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from teameval.migration.phase6.catalog import quote

BATCH_ROWS = 5000
RowsDone = Callable[[int], None]


def encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, UUID):
        return {"$uuid": str(value)}
    if isinstance(value, timedelta):
        return {"$interval": value.total_seconds()}
    if isinstance(value, dict | list):
        return {"$json": value}
    return {"$text": str(value)}


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "$float": float,
    "$datetime": datetime.fromisoformat,
    "$date": date.fromisoformat,
    "$time": time.fromisoformat,
    "$decimal": Decimal,
    "$bytes": base64.b64decode,
    "$uuid": UUID,
    "$interval": lambda seconds: timedelta(seconds=seconds),
    "$json": lambda value: value,
    "$text": str,
}


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        [(tag, inner)] = value.items()
        return _DECODERS[tag](inner)
    return value


def line(columns: Sequence[str], values: Sequence[Any]) -> bytes:
    """One row as its archive line: a JSON object in column order, UTF-8, ending in a newline."""
    document = {name: encode(value) for name, value in zip(columns, values, strict=True)}
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text + "\n").encode("utf-8")


def parse_line(columns: Sequence[str], raw: bytes) -> tuple[Any, ...]:
    document = json.loads(raw)
    if list(document) != list(columns):
        raise ValueError(f"a line names columns {list(document)}, expected {list(columns)}")
    return tuple(decode(document[name]) for name in columns)


@dataclass(frozen=True)
class RowSource:
    """What one archive member holds: ``columns`` of ``table`` in ``key`` order, only the rows
    where ``not_null`` is not NULL (a legacy column's values) or every row (a table)."""

    table: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    not_null: str | None = None

    def select_sql(self, dialect: str, after: bool) -> str:
        names = ", ".join(quote(c) for c in self.columns)
        conditions = []
        if self.not_null is not None:
            conditions.append(f"{quote(self.not_null)} IS NOT NULL")
        if after:  # keyset paging on a one-column key
            placeholder = "?" if dialect == "sqlite" else "%s"
            conditions.append(f"{quote(self.key[0])} > {placeholder}")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        order = ", ".join(quote(c) for c in self.key)
        limit = f" LIMIT {BATCH_ROWS}" if len(self.key) == 1 else ""
        return f"SELECT {names} FROM {quote(self.table)}{where} ORDER BY {order}{limit}"

    def count_sql(self) -> str:
        where = f" WHERE {quote(self.not_null)} IS NOT NULL" if self.not_null else ""
        return f"SELECT count(*) FROM {quote(self.table)}{where}"


def count_rows(connection: sa.Connection, source: RowSource) -> int:
    return int(connection.exec_driver_sql(source.count_sql()).scalar_one())


def read_rows(connection: sa.Connection, source: RowSource) -> Iterator[Sequence[Any]]:
    """Every row of ``source`` in key order, in batches of ``BATCH_ROWS`` when the key is one
    column (keyset paging), else in one statement."""
    dialect = connection.dialect.name
    if len(source.key) != 1:
        yield from connection.exec_driver_sql(source.select_sql(dialect, after=False))
        return
    position = source.columns.index(source.key[0])
    last: Any = None
    while True:
        if last is None:
            batch = connection.exec_driver_sql(source.select_sql(dialect, after=False)).all()
        else:
            sql = source.select_sql(dialect, after=True)
            batch = connection.exec_driver_sql(sql, (last,)).all()
        yield from batch
        if len(batch) < BATCH_ROWS:
            return
        last = batch[-1][position]


def stream_lines(
    connection: sa.Connection, source: RowSource, on_rows: RowsDone | None = None
) -> Iterator[bytes]:
    """The member's lines, reporting the rows done every batch."""
    done = 0
    for row in read_rows(connection, source):
        yield line(source.columns, row)
        done += 1
        if on_rows is not None and done % BATCH_ROWS == 0:
            on_rows(done)
    if on_rows is not None:
        on_rows(done)


def digest_of(connection: sa.Connection, source: RowSource) -> tuple[int, str]:
    """(rows, SHA-256) of the member the database's rows would make now."""
    sha = hashlib.sha256()
    rows = 0
    for chunk in stream_lines(connection, source):
        sha.update(chunk)
        rows += 1
    return rows, sha.hexdigest()
