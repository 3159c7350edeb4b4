"""Rubrics, their criteria, and stored grade policies.

New tables only, the same plain DDL on both engines. Criteria weights and policy values are
exact decimals (``NUMERIC``). ``grade_policies`` holds at most one school default
(``course_id IS NULL``) and one override per course, each by a partial unique index, so no
unique key contains a nullable column.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def _school() -> sa.Column[object]:
    return sa.Column("school_id", sa.Integer(), nullable=False)


def _school_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["school_id"], ["schools.id"], name=f"fk_{table}_school_id_schools", ondelete="RESTRICT"
    )


def upgrade() -> None:
    op.create_table(
        "rubrics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("scale_min", sa.Integer(), nullable=False),
        sa.Column("scale_max", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("copied_from_id", sa.Integer(), nullable=True),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("frozen_reason", sa.String(length=200), nullable=True),
        _school(),
        *_timestamps(),
        sa.CheckConstraint("scope IN ('project', 'peer')", name=op.f("ck_rubrics_scope_known")),
        sa.CheckConstraint("scale_min >= 0", name=op.f("ck_rubrics_scale_min_not_negative")),
        sa.CheckConstraint("scale_max > scale_min", name=op.f("ck_rubrics_scale_ordered")),
        sa.CheckConstraint(
            "scale_max - scale_min < 10", name=op.f("ck_rubrics_scale_levels_bounded")
        ),
        sa.CheckConstraint(
            "(frozen_at IS NULL) = (frozen_reason IS NULL)",
            name=op.f("ck_rubrics_frozen_complete"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "created_by_id"],
            ["users.school_id", "users.id"],
            name="fk_rubrics_school_id_created_by_id_users",
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "copied_from_id"],
            ["rubrics.school_id", "rubrics.id"],
            name="fk_rubrics_school_id_copied_from_id_rubrics",
        ),
        _school_key("rubrics"),
        sa.PrimaryKeyConstraint("id", name="pk_rubrics"),
        sa.UniqueConstraint("school_id", "id", name="uq_rubrics_school_id_id"),
    )
    op.create_index("ix_rubrics_school_id", "rubrics", ["school_id"])

    op.create_table(
        "rubric_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rubric_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("weight", sa.Numeric(precision=9, scale=3), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("descriptors", sa.JSON(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        _school(),
        *_timestamps(),
        sa.CheckConstraint("weight > 0", name=op.f("ck_rubric_criteria_weight_positive")),
        sa.CheckConstraint("position >= 0", name=op.f("ck_rubric_criteria_position_not_negative")),
        sa.ForeignKeyConstraint(
            ["rubric_id"], ["rubrics.id"], name="fk_rubric_criteria_rubric_id_rubrics"
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "rubric_id"],
            ["rubrics.school_id", "rubrics.id"],
            name="fk_rubric_criteria_school_id_rubric_id_rubrics",
        ),
        _school_key("rubric_criteria"),
        sa.PrimaryKeyConstraint("id", name="pk_rubric_criteria"),
    )
    op.create_index("ix_rubric_criteria_school_id", "rubric_criteria", ["school_id"])
    op.create_index("ix_rubric_criteria_rubric_id", "rubric_criteria", ["rubric_id"])
    op.create_index(
        "uq_rubric_criteria_school_id_id", "rubric_criteria", ["school_id", "id"], unique=True
    )
    op.create_index(
        "uq_rubric_criteria_rubric_id_id", "rubric_criteria", ["rubric_id", "id"], unique=True
    )

    op.create_table(
        "grade_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("pass_level", sa.Numeric(precision=7, scale=3), nullable=True),
        sa.Column("pass_grade", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("min_grade", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("max_grade", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        _school(),
        *_timestamps(),
        sa.CheckConstraint("min_grade < pass_grade", name=op.f("ck_grade_policies_pass_above_min")),
        sa.CheckConstraint("pass_grade < max_grade", name=op.f("ck_grade_policies_pass_below_max")),
        sa.CheckConstraint(
            "decimals >= 0 AND decimals <= 2", name=op.f("ck_grade_policies_decimals_range")
        ),
        sa.CheckConstraint(
            "pass_level IS NULL OR pass_level >= 0",
            name=op.f("ck_grade_policies_pass_level_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name="fk_grade_policies_course_id_courses"
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "course_id"],
            ["courses.school_id", "courses.id"],
            name="fk_grade_policies_school_id_course_id_courses",
        ),
        _school_key("grade_policies"),
        sa.PrimaryKeyConstraint("id", name="pk_grade_policies"),
    )
    op.create_index("ix_grade_policies_school_id", "grade_policies", ["school_id"])
    op.create_index(
        "uq_grade_policies_school_id_default",
        "grade_policies",
        ["school_id"],
        unique=True,
        sqlite_where=sa.text("course_id IS NULL"),
        postgresql_where=sa.text("course_id IS NULL"),
    )
    op.create_index(
        "uq_grade_policies_course_id",
        "grade_policies",
        ["course_id"],
        unique=True,
        sqlite_where=sa.text("course_id IS NOT NULL"),
        postgresql_where=sa.text("course_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("grade_policies")
    op.drop_table("rubric_criteria")
    op.drop_table("rubrics")
