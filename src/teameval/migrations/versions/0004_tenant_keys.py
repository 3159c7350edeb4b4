"""Tenant isolation held by the database: composite keys on (school_id, id).

An enrollment, a teacher assignment, a legacy team and a team membership can then only name a
course, user or group of their own school. Existing rows are checked first, one query per
relation; if any row points at another school, the upgrade refuses before changing anything and
lists the offenders (an operator must decide which side is wrong: no migration can).

PostgreSQL builds the target indexes ``CONCURRENTLY``, adds each key ``NOT VALID`` and then
validates it, each statement committed on its own: validation takes a ``SHARE UPDATE EXCLUSIVE``
lock, so writes are not blocked while the existing rows are read.
SQLite rebuilds the child tables (batch mode); ``env.py`` turns its foreign keys off for that and
runs ``PRAGMA foreign_key_check`` before committing.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 02:10:00
"""

from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


class TenantKey(NamedTuple):
    name: str
    table: str
    column: str  # the referring column; the key is (school_id, column)
    referred: str  # the referred table; the key points at (school_id, id)


# Parents first: groups must have its (school_id, id) key before group_members points at it.
PARENT_KEYS = {
    "users": "uq_users_school_id_id",
    "courses": "uq_courses_school_id_id",
    "groups": "uq_groups_school_id_id",
}
KEYS = [
    TenantKey(
        "fk_course_enrollments_school_id_course_id_courses",
        "course_enrollments",
        "course_id",
        "courses",
    ),
    TenantKey(
        "fk_course_enrollments_school_id_student_id_users",
        "course_enrollments",
        "student_id",
        "users",
    ),
    TenantKey(
        "fk_teacher_courses_school_id_course_id_courses", "teacher_courses", "course_id", "courses"
    ),
    TenantKey(
        "fk_teacher_courses_school_id_teacher_id_users", "teacher_courses", "teacher_id", "users"
    ),
    TenantKey("fk_groups_school_id_course_id_courses", "groups", "course_id", "courses"),
    TenantKey("fk_group_members_school_id_group_id_groups", "group_members", "group_id", "groups"),
    TenantKey("fk_group_members_school_id_user_id_users", "group_members", "user_id", "users"),
]


class CrossSchoolReferences(RuntimeError):
    """Rows that name another school's course, user or group: an operator must fix them first."""


def cross_school_references(connection: sa.Connection) -> dict[str, list[str]]:
    """``table.column -> referred`` → each offending row, described with ids and school ids."""
    found: dict[str, list[str]] = {}
    for key in KEYS:
        rows = connection.execute(
            sa.text(
                f"SELECT t.id, t.school_id, t.{key.column}, r.school_id "
                f"FROM {key.table} t JOIN {key.referred} r ON r.id = t.{key.column} "
                "WHERE r.school_id <> t.school_id ORDER BY t.id"
            )
        ).all()
        if rows:
            found[f"{key.table}.{key.column} -> {key.referred}"] = [
                f"{key.table} {row_id} (school {school}) -> {key.referred} {ref} "
                f"(school {ref_school})"
                for row_id, school, ref, ref_school in rows
            ]
    return found


def _refuse_cross_school_references(connection: sa.Connection) -> None:
    offenders = cross_school_references(connection)
    if offenders:
        listing = "; ".join(
            f"{relation}: {', '.join(rows)}" for relation, rows in offenders.items()
        )
        raise CrossSchoolReferences(
            "Migration 0004 makes the database refuse rows that point at another school, but "
            f"these rows do: {listing}. Correct or deactivate-and-move them, then run "
            "`teameval db upgrade` again; nothing was changed."
        )


def upgrade() -> None:
    connection = op.get_bind()
    _refuse_cross_school_references(connection)
    if connection.dialect.name == "postgresql":
        _upgrade_postgresql(connection)
        return
    for table, index in PARENT_KEYS.items():
        op.create_index(index, table, ["school_id", "id"], unique=True)
    for table in dict.fromkeys(key.table for key in KEYS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for key in (k for k in KEYS if k.table == table):
                batch_op.create_foreign_key(
                    key.name, key.referred, ["school_id", key.column], ["school_id", "id"]
                )


def _upgrade_postgresql(connection: sa.Connection) -> None:
    """Short locks on a live database: each statement commits on its own (outside the migration's
    transaction, which would hold every lock to the end). The indexes are built CONCURRENTLY;
    ``ADD CONSTRAINT ... NOT VALID`` only checks new writes, and ``VALIDATE CONSTRAINT`` reads the
    existing rows under a lock that lets writes go on. Every step is skipped when already done,
    so an interrupted upgrade completes by running it again."""
    with op.get_context().autocommit_block():
        for table, index in PARENT_KEYS.items():
            connection.execute(
                sa.text(
                    f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {index} "
                    f"ON {table} (school_id, id)"
                )
            )
        existing = set(
            connection.scalars(
                sa.text("SELECT conname FROM pg_constraint WHERE conname IN :names").bindparams(
                    sa.bindparam("names", [key.name for key in KEYS], expanding=True)
                )
            )
        )
        for key in KEYS:
            if key.name not in existing:
                connection.execute(
                    sa.text(
                        f"ALTER TABLE {key.table} ADD CONSTRAINT {key.name} "
                        f"FOREIGN KEY (school_id, {key.column}) "
                        f"REFERENCES {key.referred} (school_id, id) NOT VALID"
                    )
                )
        for key in KEYS:
            connection.execute(sa.text(f"ALTER TABLE {key.table} VALIDATE CONSTRAINT {key.name}"))


def downgrade() -> None:
    for table in dict.fromkeys(key.table for key in reversed(KEYS)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for key in (k for k in KEYS if k.table == table):
                batch_op.drop_constraint(key.name, type_="foreignkey")
    for table, index in reversed(PARENT_KEYS.items()):
        op.drop_index(index, table_name=table)
