"""Schema probe: which tables and columns a database actually has.

The migration tools run on our own schema *and* on a legacy-shaped database (DESIGN.md §4) that
never saw our migrations. Instead of assuming the ORM models, a phase names the columns it
needs and may use; the probe reads what the database has (on PostgreSQL in one catalog query,
elsewhere through SQLAlchemy's inspector) as plain data, and refuses to run (exit 3) with a
message naming the missing table or column. ``Table`` objects holding only the columns found
are made from it when a statement is first built (``tables``), so a run whose statements are
all compiled already never imports SQLAlchemy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from teameval.migration.runner.database import Connection

if TYPE_CHECKING:
    import sqlalchemy as sa


class CouldNotRun(Exception):
    """The tool cannot start on this database; the message is one line an operator can act on."""


@dataclass(frozen=True)
class ColumnInfo:
    # What a statement's SQL depends on: "boolean", "smallint", "integer", "bigint" or "other".
    kind: str
    # What a writer needs to know: may it leave the column out of an INSERT?
    fillable_by_database: bool


@dataclass(frozen=True)
class ProbedTables:
    # Every column the database has, per probed table.
    columns: Mapping[str, Mapping[str, ColumnInfo]]
    # Per probed table, the columns a phase uses: the required ones and the optional ones found.
    used: Mapping[str, tuple[str, ...]]
    present: frozenset[str]  # every table name in the database
    dialect: str
    supports_materialized_cte: bool

    @property
    def signature(self) -> str:
        """Everything about this schema that can change a statement's SQL, in short."""
        parts = [self.dialect, str(self.supports_materialized_cte)]
        for name, columns in sorted(self.used.items()):
            kinds = self.columns[name]
            parts.append(name + ":" + ",".join(f"{c}={kinds[c].kind}" for c in columns))
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    def tables(self) -> dict[str, sa.Table]:
        """``Table`` objects of the used columns (imports SQLAlchemy: only when building)."""
        import sqlalchemy as sa

        types: dict[str, type[sa.types.TypeEngine[Any]]] = {
            "boolean": sa.Boolean,
            "smallint": sa.SmallInteger,
            "integer": sa.Integer,
            "bigint": sa.BigInteger,
        }
        metadata = sa.MetaData()
        return {
            name: sa.Table(
                name,
                metadata,
                *[
                    sa.Column(c, types.get(self.columns[name][c].kind, sa.types.NullType)())
                    for c in columns
                ],
            )
            for name, columns in self.used.items()
        }


# One round trip for every column of every table of the current schema. NOT NULL without a
# default, identity or generation means an INSERT must name the column.
POSTGRES_COLUMNS = """
SELECT c.relname AS table_name, a.attname AS column_name,
       format_type(a.atttypid, NULL) AS type_name,
       (NOT a.attnotnull OR a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '')
         AS fillable
FROM pg_catalog.pg_class c
LEFT JOIN pg_catalog.pg_attribute a
  ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
ORDER BY c.relname, a.attnum
"""
POSTGRES_KINDS = frozenset({"boolean", "smallint", "integer", "bigint"})


def _postgres_columns(connection: Connection) -> dict[str, dict[str, ColumnInfo]]:
    found: dict[str, dict[str, ColumnInfo]] = {}
    for row in connection.raw(POSTGRES_COLUMNS):
        table = found.setdefault(row.table_name, {})
        if row.column_name is not None:
            kind = row.type_name if row.type_name in POSTGRES_KINDS else "other"
            table[row.column_name] = ColumnInfo(kind, bool(row.fillable))
    return found


def _inspected_columns(connection: Connection) -> dict[str, dict[str, ColumnInfo]]:
    import sqlalchemy as sa

    from teameval.migration.runner.sqlalchemy_database import SqlAlchemyConnection

    if not isinstance(connection, SqlAlchemyConnection):
        raise TypeError(f"no schema inspection for {connection.dialect} without SQLAlchemy")
    inspector = sa.inspect(connection.connection)

    def kind(column_type: object) -> str:
        # Most specific first: BigInteger and SmallInteger are Integers.
        for name, cls in (
            ("boolean", sa.Boolean),
            ("bigint", sa.BigInteger),
            ("smallint", sa.SmallInteger),
            ("integer", sa.Integer),
        ):
            if isinstance(column_type, cls):
                return name
        return "other"

    return {
        table: {
            info["name"]: ColumnInfo(
                kind(info.get("type")),
                info.get("nullable", True)
                or info.get("default") is not None
                or info.get("autoincrement") is True
                or bool(info.get("identity"))
                or bool(info.get("computed")),
            )
            for info in inspector.get_columns(table)
        }
        for table in inspector.get_table_names()
    }


def _supports_materialized_cte(connection: Connection) -> bool:
    if connection.dialect == "postgresql":
        return connection.server_version >= (12,)
    if connection.dialect == "sqlite":
        return connection.server_version >= (3, 35)
    return False


def probe_tables(
    connection: Connection,
    required: Mapping[str, Sequence[str]],
    optional: Mapping[str, Sequence[str]],
) -> ProbedTables:
    """The ``required`` tables with the required columns and those of the ``optional`` ones
    that exist; :class:`CouldNotRun` names the first thing missing."""
    if connection.dialect == "postgresql":
        columns = _postgres_columns(connection)
    else:
        columns = _inspected_columns(connection)
    used: dict[str, tuple[str, ...]] = {}
    for name, wanted in required.items():
        if name not in columns:
            raise CouldNotRun(f"required table {name!r} does not exist in this database")
        missing = [column for column in wanted if column not in columns[name]]
        if missing:
            raise CouldNotRun(
                f"required column {name}.{missing[0]} does not exist in this database"
            )
        extra = [c for c in optional.get(name, ()) if c in columns[name]]
        used[name] = (*wanted, *extra)
    return ProbedTables(
        columns=columns,
        used=used,
        present=frozenset(columns),
        dialect=connection.dialect,
        supports_materialized_cte=_supports_materialized_cte(connection),
    )


def unfillable_columns(columns: Mapping[str, ColumnInfo], known: Sequence[str]) -> tuple[str, ...]:
    """Columns a writer does not know that the database cannot fill either (NOT NULL without
    any default): inserting rows would fail, so a writing tool refuses to start rather than
    fail every batch."""
    return tuple(
        name
        for name, info in columns.items()
        if name not in known and not info.fillable_by_database
    )
