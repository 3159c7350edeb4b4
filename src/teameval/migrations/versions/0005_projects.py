"""Projects and versioned project teams.

New tables only (nothing existing changes), so the upgrade is the same plain DDL on both
engines. ``project_team_members`` carries its team's ``project_id`` and ``is_current`` through
one composite key with ``ON UPDATE CASCADE``; with the partial unique index on
``(project_id, user_id) WHERE is_current`` the database holds "a student is in at most one
current team per project" (DESIGN.md invariant 7).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
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
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="draft", nullable=False),
        _school(),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('draft', 'active', 'completed', 'archived')",
            name=op.f("ck_projects_status_known"),
        ),
        sa.CheckConstraint(
            "start_date IS NULL OR end_date IS NULL OR end_date >= start_date",
            name=op.f("ck_projects_period_ordered"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name="fk_projects_course_id_courses"
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "course_id"],
            ["courses.school_id", "courses.id"],
            name="fk_projects_school_id_course_id_courses",
        ),
        _school_key("projects"),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
    )
    op.create_index("ix_projects_school_id", "projects", ["school_id"])
    op.create_index("ix_projects_course_id", "projects", ["course_id"])
    op.create_index("uq_projects_school_id_id", "projects", ["school_id", "id"], unique=True)

    op.create_table(
        "project_teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("display_name_at_time", sa.String(length=200), nullable=False),
        sa.Column("team_number", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("previous_version_id", sa.Integer(), nullable=True),
        sa.Column("backfill_source", sa.String(length=20), nullable=True),
        sa.Column("is_current", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lock_reason", sa.String(length=20), nullable=True),
        sa.Column("lock_reference_id", sa.Integer(), nullable=True),
        sa.Column("locked_by_id", sa.Integer(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        _school(),
        *_timestamps(),
        sa.CheckConstraint("team_number >= 1", name=op.f("ck_project_teams_team_number_positive")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_project_teams_version_positive")),
        sa.CheckConstraint(
            "lock_reason IS NULL OR lock_reason IN ('teacher', 'assessment', 'peer_evaluation')",
            name=op.f("ck_project_teams_lock_reason_known"),
        ),
        sa.CheckConstraint(
            "backfill_source IS NULL OR backfill_source IN "
            "('groups', 'clone', 'generated', 'import')",
            name=op.f("ck_project_teams_backfill_source_known"),
        ),
        sa.CheckConstraint(
            "(locked_at IS NULL) = (lock_reason IS NULL)",
            name=op.f("ck_project_teams_lock_complete"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_project_teams_project_id_projects"
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "project_id"],
            ["projects.school_id", "projects.id"],
            name="fk_project_teams_school_id_project_id_projects",
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "team_id"],
            ["groups.school_id", "groups.id"],
            name="fk_project_teams_school_id_team_id_groups",
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "locked_by_id"],
            ["users.school_id", "users.id"],
            name="fk_project_teams_school_id_locked_by_id_users",
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "previous_version_id"],
            ["project_teams.school_id", "project_teams.id"],
            name="fk_project_teams_school_id_previous_version_id_project_teams",
        ),
        _school_key("project_teams"),
        sa.PrimaryKeyConstraint("id", name="pk_project_teams"),
        # A constraint, not an index: the previous-version key refers to it within this table.
        sa.UniqueConstraint("school_id", "id", name="uq_project_teams_school_id_id"),
    )
    op.create_index("ix_project_teams_school_id", "project_teams", ["school_id"])
    op.create_index("ix_project_teams_project_id", "project_teams", ["project_id"])
    op.create_index(
        "uq_project_teams_project_id_team_number_current",
        "project_teams",
        ["project_id", "team_number"],
        unique=True,
        sqlite_where=sa.text("is_current"),
        postgresql_where=sa.text("is_current"),
    )
    op.create_index(
        "uq_project_teams_id_project_id_is_current",
        "project_teams",
        ["id", "project_id", "is_current"],
        unique=True,
    )

    op.create_table(
        "project_team_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_team_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=50), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        _school(),
        sa.ForeignKeyConstraint(
            ["project_team_id", "project_id", "is_current"],
            ["project_teams.id", "project_teams.project_id", "project_teams.is_current"],
            name="fk_project_team_members_project_team_id_project_teams",
            onupdate="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "user_id"],
            ["users.school_id", "users.id"],
            name="fk_project_team_members_school_id_user_id_users",
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "project_team_id"],
            ["project_teams.school_id", "project_teams.id"],
            name="fk_project_team_members_school_id_project_team_id_project_teams",
        ),
        _school_key("project_team_members"),
        sa.PrimaryKeyConstraint("id", name="pk_project_team_members"),
        sa.UniqueConstraint(
            "project_team_id", "user_id", name="uq_project_team_members_project_team_id_user_id"
        ),
    )
    op.create_index("ix_project_team_members_school_id", "project_team_members", ["school_id"])
    op.create_index("ix_project_team_members_user_id", "project_team_members", ["user_id"])
    op.create_index(
        "uq_project_team_members_project_id_user_id_current",
        "project_team_members",
        ["project_id", "user_id"],
        unique=True,
        sqlite_where=sa.text("is_current"),
        postgresql_where=sa.text("is_current"),
    )


def downgrade() -> None:
    op.drop_table("project_team_members")
    op.drop_table("project_teams")
    op.drop_table("projects")
