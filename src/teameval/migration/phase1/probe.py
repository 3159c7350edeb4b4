"""Phase 1's schema probe: the tables and columns the enrollment audit and backfill need, and
what the database they find allows (see ``teameval.migration.runner.probe``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from teameval.migration.runner.bookkeeping import has_bookkeeping
from teameval.migration.runner.probe import CouldNotRun, probe_tables, unfillable_columns

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


def probe_enrollment_schema(connection: Connection) -> EnrollmentSchema:
    """Inspect the database behind ``connection``; raise :class:`CouldNotRun` if it lacks anything
    the enrollment audit and backfill need."""
    probed = probe_tables(connection, REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    tables = probed.tables
    known = [*REQUIRED_COLUMNS["course_enrollments"], *OPTIONAL_COLUMNS["course_enrollments"]]
    return EnrollmentSchema(
        users=tables["users"],
        courses=tables["courses"],
        groups=tables["groups"],
        group_members=tables["group_members"],
        course_enrollments=tables["course_enrollments"],
        unfillable_enrollment_columns=unfillable_columns(
            probed.reflected["course_enrollments"], known
        ),
        has_bookkeeping=has_bookkeeping(probed.present),
        dialect=probed.dialect,
        supports_materialized_cte=probed.supports_materialized_cte,
    )
