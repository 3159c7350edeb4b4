"""Schema probe: which tables and columns a database actually has.

The migration tools run on our own schema *and* on a legacy-shaped database (DESIGN.md §4) that
never saw our migrations. Instead of assuming the ORM models, a phase names the columns it
needs and may use; the probe builds lightweight ``Table`` objects holding only the columns
found, and refuses to run (exit 3) with a message naming the missing table or column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


class CouldNotRun(Exception):
    """The tool cannot start on this database; the message is one line an operator can act on."""


@dataclass(frozen=True)
class ProbedTables:
    tables: Mapping[str, sa.Table]
    # Every column the database has, per probed table, as the inspector reports it.
    reflected: Mapping[str, Mapping[str, Mapping[str, Any]]]
    present: frozenset[str]  # every table name in the database
    dialect: str
    supports_materialized_cte: bool


def _column_type(info: Mapping[str, Any]) -> sa.types.TypeEngine[Any]:
    # Reflected types carry engine quirks (e.g. SQLite "BOOLEAN" stays Boolean, a legacy
    # PostgreSQL may use smallint for flags); keep them so comparisons render correctly.
    column_type = info.get("type")
    return column_type if isinstance(column_type, sa.types.TypeEngine) else sa.types.NullType()


def _supports_materialized_cte(connection: Connection) -> bool:
    version = connection.dialect.server_version_info or ()
    if connection.dialect.name == "postgresql":
        return tuple(version) >= (12,)
    if connection.dialect.name == "sqlite":
        return tuple(version) >= (3, 35)
    return False


def probe_tables(
    connection: Connection,
    required: Mapping[str, Sequence[str]],
    optional: Mapping[str, Sequence[str]],
) -> ProbedTables:
    """``Table`` objects of the ``required`` tables, with the required columns and those of the
    ``optional`` ones that exist; :class:`CouldNotRun` names the first thing missing."""
    inspector = sa.inspect(connection)
    present = frozenset(inspector.get_table_names())
    metadata = sa.MetaData()
    tables: dict[str, sa.Table] = {}
    reflected_by_table: dict[str, dict[str, Mapping[str, Any]]] = {}
    for name, columns in required.items():
        if name not in present:
            raise CouldNotRun(f"required table {name!r} does not exist in this database")
        reflected: dict[str, Mapping[str, Any]] = {
            info["name"]: info for info in inspector.get_columns(name)
        }
        missing = [column for column in columns if column not in reflected]
        if missing:
            raise CouldNotRun(
                f"required column {name}.{missing[0]} does not exist in this database"
            )
        wanted = [*columns, *optional.get(name, ())]
        found = [sa.Column(c, _column_type(reflected[c])) for c in wanted if c in reflected]
        tables[name] = sa.Table(name, metadata, *found)
        reflected_by_table[name] = reflected
    return ProbedTables(
        tables=tables,
        reflected=reflected_by_table,
        present=present,
        dialect=connection.dialect.name,
        supports_materialized_cte=_supports_materialized_cte(connection),
    )


def unfillable_columns(
    reflected: Mapping[str, Mapping[str, Any]], known: Sequence[str]
) -> tuple[str, ...]:
    """Columns a writer does not know that are NOT NULL without any default: inserting rows
    would fail, so a writing tool refuses to start rather than fail every batch."""
    return tuple(
        column
        for column, info in reflected.items()
        if column not in known
        and not info.get("nullable", True)
        and info.get("default") is None
        and info.get("autoincrement") is not True
        and not info.get("identity")
        and not info.get("computed")
    )
