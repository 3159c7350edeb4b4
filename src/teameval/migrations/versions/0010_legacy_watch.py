"""Legacy watch (issue 14): the shadow access counts of phase 3, the legacy usage counts of
phases 4-5, and the one-row legacy state (the mode the database holds, and the retirement of the
legacy tables with its archive, phase 6).

New tables only, the same plain DDL on both engines.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 12:50:46
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "legacy_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archive_name", sa.String(length=500), nullable=True),
        sa.Column("archive_sha256", sa.String(length=64), nullable=True),
        sa.Column("restored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "mode IS NULL OR mode IN ('dual-write', 'off')", name=op.f("ck_legacy_state_mode_known")
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_legacy_state_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legacy_state")),
    )
    op.create_table(
        "legacy_usage_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint(
            "kind IN ('call', 'read')", name=op.f("ck_legacy_usage_counts_kind_known")
        ),
        sa.CheckConstraint("count >= 0", name=op.f("ck_legacy_usage_counts_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_legacy_usage_counts_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legacy_usage_counts")),
        sa.UniqueConstraint(
            "school_id",
            "day",
            "route",
            "kind",
            name=op.f("uq_legacy_usage_counts_school_id_day_route_kind"),
        ),
    )
    op.create_index(
        op.f("ix_legacy_usage_counts_day"), "legacy_usage_counts", ["day"], unique=False
    )
    op.create_table(
        "access_shadow_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("decisions", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("legacy_only", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("enrollment_only", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint(
            "decisions >= 0 AND legacy_only >= 0 AND enrollment_only >= 0",
            name=op.f("ck_access_shadow_counts_counts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_access_shadow_counts_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_access_shadow_counts_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_shadow_counts")),
        sa.UniqueConstraint("course_id", "day", name=op.f("uq_access_shadow_counts_course_id_day")),
    )
    op.create_index(
        op.f("ix_access_shadow_counts_school_id"),
        "access_shadow_counts",
        ["school_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_access_shadow_counts_school_id"), table_name="access_shadow_counts")
    op.drop_table("access_shadow_counts")
    op.drop_index(op.f("ix_legacy_usage_counts_day"), table_name="legacy_usage_counts")
    op.drop_table("legacy_usage_counts")
    op.drop_table("legacy_state")
