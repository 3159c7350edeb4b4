"""Integrity held by the database: one active legacy team per student and course, course codes
unique ignoring case.

Existing data may break both rules (the races of issue 7 wrote such rows). A student in two
active teams of one course keeps the lowest team number; the other memberships are deactivated
(never deleted) with one audit row each. Course codes that differ only in case cannot be merged
safely by a migration, so the upgrade refuses before changing anything and lists them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 01:15:00
"""

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTOR_LABEL = "migration:0003"
REASON = (
    "a student may be in only one active team per course; kept the lowest team number "
    "(migration 0003)"
)

_audit_logs = sa.table(
    "audit_logs",
    sa.column("school_id", sa.Integer),
    sa.column("actor_id", sa.Integer),
    sa.column("actor_label", sa.String),
    sa.column("action", sa.String),
    sa.column("entity_type", sa.String),
    sa.column("entity_id", sa.Integer),
    sa.column("changes", sa.JSON),
)


class CaseDuplicateCourseCodes(RuntimeError):
    """Course codes equal ignoring case: an operator must rename or merge them first."""


def case_duplicate_codes(connection: sa.Connection) -> dict[str, list[str]]:
    """School slug → the codes that collide ignoring case, sorted."""
    rows = connection.execute(
        sa.text(
            "SELECT s.slug, c.code FROM courses c JOIN schools s ON s.id = c.school_id "
            "JOIN (SELECT school_id, lower(code) AS lowered FROM courses "
            "      GROUP BY school_id, lower(code) HAVING count(*) > 1) d "
            "  ON d.school_id = c.school_id AND d.lowered = lower(c.code) "
            "ORDER BY s.slug, lower(c.code), c.code"
        )
    )
    found: dict[str, list[str]] = defaultdict(list)
    for slug, code in rows:
        found[slug].append(code)
    return dict(found)


def _refuse_case_duplicates(connection: sa.Connection) -> None:
    duplicates = case_duplicate_codes(connection)
    if duplicates:
        listing = "; ".join(
            f"school {slug}: {', '.join(codes)}" for slug, codes in duplicates.items()
        )
        raise CaseDuplicateCourseCodes(
            "Migration 0003 makes course codes unique ignoring case, but these courses differ "
            f"only in case: {listing}. Rename them (PATCH /api/v1/courses/{{id}}) and run "
            "`teameval db upgrade` again; nothing was changed."
        )


def _deactivate_extra_memberships(connection: sa.Connection) -> None:
    """Keep each student's lowest-numbered active team per course; deactivate and audit the rest."""
    rows = connection.execute(
        sa.text(
            "SELECT gm.id, gm.school_id, gm.group_id, gm.course_id, gm.user_id, g.team_number "
            "FROM group_members gm JOIN groups g ON g.id = gm.group_id "
            "JOIN (SELECT course_id, user_id FROM group_members WHERE active "
            "      GROUP BY course_id, user_id HAVING count(*) > 1) d "
            "  ON d.course_id = gm.course_id AND d.user_id = gm.user_id "
            "WHERE gm.active ORDER BY gm.course_id, gm.user_id, g.team_number, gm.id"
        )
    ).all()
    kept: dict[tuple[int, int], int] = {}
    audit_rows = []
    for member_id, school_id, group_id, course_id, user_id, _team in rows:
        key = (course_id, user_id)
        if key not in kept:
            kept[key] = group_id
            continue
        audit_rows.append(
            {
                "school_id": school_id,
                "actor_id": None,
                "actor_label": ACTOR_LABEL,
                "action": "group_member.deactivated",
                "entity_type": "group_member",
                "entity_id": member_id,
                "changes": {
                    "group_id": group_id,
                    "student_id": user_id,
                    "course_id": course_id,
                    "kept_group_id": kept[key],
                    "reason": REASON,
                },
            }
        )
    if not audit_rows:
        return
    connection.execute(
        sa.text(
            "UPDATE group_members SET active = :inactive, updated_at = CURRENT_TIMESTAMP "
            "WHERE id IN :ids"
        ).bindparams(sa.bindparam("ids", expanding=True)),
        {"inactive": False, "ids": [row["entity_id"] for row in audit_rows]},
    )
    connection.execute(sa.insert(_audit_logs), audit_rows)


def upgrade() -> None:
    connection = op.get_bind()
    _refuse_case_duplicates(connection)

    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.create_index("uq_groups_id_course_id", ["id", "course_id"], unique=True)
    op.add_column("group_members", sa.Column("course_id", sa.Integer(), nullable=True))
    connection.execute(
        sa.text(
            "UPDATE group_members SET course_id = "
            "(SELECT g.course_id FROM groups g WHERE g.id = group_members.group_id)"
        )
    )
    _deactivate_extra_memberships(connection)
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.alter_column("course_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            "fk_group_members_group_id_course_id_groups",
            "groups",
            ["group_id", "course_id"],
            ["id", "course_id"],
        )
        batch_op.create_index(
            "uq_group_members_course_id_user_id_active",
            ["course_id", "user_id"],
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )

    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index(
            "uq_courses_school_id_lower_code", ["school_id", sa.text("lower(code)")], unique=True
        )


def downgrade() -> None:
    # Memberships deactivated by the upgrade stay inactive: reactivating them would break the
    # rule the application still relies on, and their audit rows say what happened.
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index("uq_courses_school_id_lower_code")
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_index("uq_group_members_course_id_user_id_active")
        batch_op.drop_constraint("fk_group_members_group_id_course_id_groups", type_="foreignkey")
        batch_op.drop_column("course_id")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_index("uq_groups_id_course_id")
