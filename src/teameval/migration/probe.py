"""Schema probe: which tables and columns a database actually has.

The migration tools run on our own schema *and* on a legacy-shaped database (DESIGN.md §4) that
never saw our migrations. Instead of assuming the ORM models, they inspect what is there, build
statements over lightweight ``Table`` objects holding only the columns found, and refuse to run
(exit 3) with a message naming the missing table or column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

# What the enrollment tools cannot work without. Everything else is optional and used when found.
REQUIRED_COLUMNS: Mapping[str, Sequence[str]] = {
    "users": ("id", "school_id", "email", "name", "role"),
    "courses": ("id", "school_id", "name"),
    "groups": ("id", "school_id", "course_id"),
    "group_members": ("group_id", "user_id", "active"),
    "course_enrollments": ("course_id", "student_id", "active"),
}
OPTIONAL_COLUMNS: Mapping[str, Sequence[str]] = {
    "courses": ("code",),
    "group_members": ("school_id",),
    "course_enrollments": ("id", "school_id", "created_at", "updated_at"),
}
# Our own schema: committed backfills are recorded here. A legacy database has neither.
BOOKKEEPING_TABLES = ("migration_runs", "audit_logs")


class CouldNotRun(Exception):
    """The tool cannot start on this database; the message is one line an operator can act on."""


@dataclass(frozen=True)
class EnrollmentSchema:
    """The probed tables (only their known columns) and what optional features they allow."""

    users: sa.Table
    courses: sa.Table
    groups: sa.Table
    group_members: sa.Table
    course_enrollments: sa.Table
    # Columns of course_enrollments we must fill that have no default and that we do not know:
    # inserting would fail, so the backfill refuses to start rather than fail every batch.
    unfillable_enrollment_columns: tuple[str, ...]
    has_bookkeeping: bool
    dialect: str
    supports_materialized_cte: bool

    def has(self, table: sa.Table, column: str) -> bool:
        return column in table.c


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


def probe_enrollment_schema(connection: Connection) -> EnrollmentSchema:
    """Inspect the database behind ``connection``; raise :class:`CouldNotRun` if it lacks anything
    the enrollment audit and backfill need."""
    inspector = sa.inspect(connection)
    present = set(inspector.get_table_names())
    metadata = sa.MetaData()
    tables: dict[str, sa.Table] = {}
    unfillable: tuple[str, ...] = ()
    for name, required in REQUIRED_COLUMNS.items():
        if name not in present:
            raise CouldNotRun(f"required table {name!r} does not exist in this database")
        reflected = {info["name"]: info for info in inspector.get_columns(name)}
        missing = [column for column in required if column not in reflected]
        if missing:
            raise CouldNotRun(
                f"required column {name}.{missing[0]} does not exist in this database"
            )
        wanted = [*required, *OPTIONAL_COLUMNS.get(name, ())]
        columns = [sa.Column(c, _column_type(reflected[c])) for c in wanted if c in reflected]
        tables[name] = sa.Table(name, metadata, *columns)
        if name == "course_enrollments":
            unfillable = tuple(
                column
                for column, info in reflected.items()
                if column not in wanted
                and not info.get("nullable", True)
                and info.get("default") is None
                and info.get("autoincrement") is not True
                and not info.get("identity")
                and not info.get("computed")
            )
    return EnrollmentSchema(
        users=tables["users"],
        courses=tables["courses"],
        groups=tables["groups"],
        group_members=tables["group_members"],
        course_enrollments=tables["course_enrollments"],
        unfillable_enrollment_columns=unfillable,
        has_bookkeeping=all(name in present for name in BOOKKEEPING_TABLES),
        dialect=connection.dialect.name,
        supports_materialized_cte=_supports_materialized_cte(connection),
    )
