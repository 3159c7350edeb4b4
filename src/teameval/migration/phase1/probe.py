"""Phase 1's schema probe: the tables and columns the enrollment audit and backfill need, and
what the database they find allows (see ``teameval.migration.runner.probe``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from teameval.migration.runner.bookkeeping import has_bookkeeping
from teameval.migration.runner.database import Connection, as_connection
from teameval.migration.runner.probe import (
    CouldNotRun,
    ProbedTables,
    probe_tables,
    unfillable_columns,
)

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["CouldNotRun", "EnrollmentSchema", "probe_enrollment_schema"]

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


@dataclass(frozen=True)
class EnrollmentSchema:
    """The probed tables (only their known columns) and what optional features they allow.
    The ``Table`` objects (``users``, ``courses``, …) are made on first use: only statement
    builders need them."""

    probed: ProbedTables = field(repr=False)
    # Columns of course_enrollments we must fill that have no default and that we do not know:
    # inserting would fail, so the backfill refuses to start rather than fail every batch.
    unfillable_enrollment_columns: tuple[str, ...]
    has_bookkeeping: bool
    dialect: str
    supports_materialized_cte: bool

    @property
    def signature(self) -> str:
        """Part of every statement's key: the same builders give other SQL on another shape."""
        return self.probed.signature

    @cached_property
    def _tables(self) -> dict[str, sa.Table]:
        return self.probed.tables()

    @property
    def users(self) -> sa.Table:
        return self._tables["users"]

    @property
    def courses(self) -> sa.Table:
        return self._tables["courses"]

    @property
    def groups(self) -> sa.Table:
        return self._tables["groups"]

    @property
    def group_members(self) -> sa.Table:
        return self._tables["group_members"]

    @property
    def course_enrollments(self) -> sa.Table:
        return self._tables["course_enrollments"]

    def has(self, table: sa.Table | str, column: str) -> bool:
        name = table if isinstance(table, str) else table.name
        return column in self.probed.used[name]


def probe_enrollment_schema(connection: Connection | sa.Connection) -> EnrollmentSchema:
    """Inspect the database behind ``connection``; raise :class:`CouldNotRun` if it lacks anything
    the enrollment audit and backfill need."""
    probed = probe_tables(as_connection(connection), REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    known = [*REQUIRED_COLUMNS["course_enrollments"], *OPTIONAL_COLUMNS["course_enrollments"]]
    return EnrollmentSchema(
        probed=probed,
        unfillable_enrollment_columns=unfillable_columns(
            probed.columns["course_enrollments"], known
        ),
        has_bookkeeping=has_bookkeeping(probed.present),
        dialect=probed.dialect,
        supports_materialized_cte=probed.supports_materialized_cte,
    )
