"""Assessments: linked team versions, score sheets, publications, frozen results, self-assessments.

New tables only, the same plain DDL on both engines. Scores refer to their assessment's rubric
through ``(assessment_id, rubric_id)`` and to one of its criteria through
``(rubric_id, criterion_id)``; an override refers to a member of that team version through
``(project_team_id, student_id)``. A team score (``student_id IS NULL``) and an override are
each unique by a partial unique index, so no unique key holds a nullable column.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
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


def _key(name: str, columns: list[str], table: str, targets: list[str]) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(columns, [f"{table}.{target}" for target in targets], name=name)


def _sheet_keys(table: str, short: str) -> list[sa.ForeignKeyConstraint]:
    """The keys scores and self-assessments share: the assessment's rubric, that rubric's
    criterion, the linked team version, a member of it, and the tenant key."""
    return [
        _key(
            f"fk_{short}_assessment_rubric",
            ["assessment_id", "rubric_id"],
            "project_assessments",
            ["id", "rubric_id"],
        ),
        _key(
            f"fk_{short}_rubric_criterion",
            ["rubric_id", "criterion_id"],
            "rubric_criteria",
            ["rubric_id", "id"],
        ),
        _key(
            f"fk_{short}_assessment_team",
            ["assessment_id", "project_team_id"],
            "project_assessment_teams",
            ["assessment_id", "project_team_id"],
        ),
        _key(
            f"fk_{short}_team_member",
            ["project_team_id", "student_id"],
            "project_team_members",
            ["project_team_id", "user_id"],
        ),
        _key(
            f"fk_{short}_school_id_assessment_id",
            ["school_id", "assessment_id"],
            "project_assessments",
            ["school_id", "id"],
        ),
        _school_key(table),
    ]


def upgrade() -> None:
    op.create_table(
        "project_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("rubric_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=50), server_default="final", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="draft", nullable=False),
        sa.Column("grade_policy", sa.JSON(), nullable=True),
        sa.Column("revision", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        _school(),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('draft', 'open', 'closed', 'published')",
            name=op.f("ck_project_assessments_status_known"),
        ),
        sa.CheckConstraint(
            "revision >= 0", name=op.f("ck_project_assessments_revision_not_negative")
        ),
        _key("fk_project_assessments_project_id_projects", ["project_id"], "projects", ["id"]),
        _key("fk_project_assessments_rubric_id_rubrics", ["rubric_id"], "rubrics", ["id"]),
        _key(
            "fk_project_assessments_school_id_project_id_projects",
            ["school_id", "project_id"],
            "projects",
            ["school_id", "id"],
        ),
        _key(
            "fk_project_assessments_school_id_rubric_id_rubrics",
            ["school_id", "rubric_id"],
            "rubrics",
            ["school_id", "id"],
        ),
        _key(
            "fk_project_assessments_school_id_created_by_id_users",
            ["school_id", "created_by_id"],
            "users",
            ["school_id", "id"],
        ),
        _school_key("project_assessments"),
        sa.PrimaryKeyConstraint("id", name="pk_project_assessments"),
    )
    op.create_index("ix_project_assessments_school_id", "project_assessments", ["school_id"])
    op.create_index("ix_project_assessments_project_id", "project_assessments", ["project_id"])
    op.create_index("ix_project_assessments_rubric_id", "project_assessments", ["rubric_id"])
    op.create_index(
        "uq_project_assessments_school_id_id",
        "project_assessments",
        ["school_id", "id"],
        unique=True,
    )
    op.create_index(
        "uq_project_assessments_id_rubric_id",
        "project_assessments",
        ["id", "rubric_id"],
        unique=True,
    )

    op.create_table(
        "project_assessment_teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("project_team_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("sheet_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "linked_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        _school(),
        *_timestamps(),
        sa.CheckConstraint(
            "sheet_version >= 0",
            name=op.f("ck_project_assessment_teams_sheet_version_not_negative"),
        ),
        _key(
            "fk_project_assessment_teams_assessment_id_project_assessments",
            ["assessment_id"],
            "project_assessments",
            ["id"],
        ),
        _key(
            "fk_project_assessment_teams_school_id_assessment_id",
            ["school_id", "assessment_id"],
            "project_assessments",
            ["school_id", "id"],
        ),
        _key(
            "fk_project_assessment_teams_school_id_project_team_id",
            ["school_id", "project_team_id"],
            "project_teams",
            ["school_id", "id"],
        ),
        _school_key("project_assessment_teams"),
        sa.PrimaryKeyConstraint("id", name="pk_project_assessment_teams"),
        sa.UniqueConstraint(
            "assessment_id",
            "project_team_id",
            name="uq_project_assessment_teams_assessment_id_project_team_id",
        ),
    )
    op.create_index(
        "ix_project_assessment_teams_school_id", "project_assessment_teams", ["school_id"]
    )
    op.create_index(
        "ix_project_assessment_teams_project_team_id",
        "project_assessment_teams",
        ["project_team_id"],
    )

    op.create_table(
        "project_assessment_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("rubric_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("project_team_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        _school(),
        *_timestamps(),
        sa.CheckConstraint(
            "student_id IS NULL OR reason IS NOT NULL",
            name=op.f("ck_project_assessment_scores_override_has_reason"),
        ),
        sa.CheckConstraint(
            "score >= 0", name=op.f("ck_project_assessment_scores_score_not_negative")
        ),
        *_sheet_keys("project_assessment_scores", "project_assessment_scores"),
        sa.PrimaryKeyConstraint("id", name="pk_project_assessment_scores"),
    )
    op.create_index(
        "ix_project_assessment_scores_school_id", "project_assessment_scores", ["school_id"]
    )
    op.create_index(
        "uq_project_assessment_scores_team",
        "project_assessment_scores",
        ["assessment_id", "project_team_id", "criterion_id"],
        unique=True,
        sqlite_where=sa.text("student_id IS NULL"),
        postgresql_where=sa.text("student_id IS NULL"),
    )
    op.create_index(
        "uq_project_assessment_scores_override",
        "project_assessment_scores",
        ["assessment_id", "project_team_id", "criterion_id", "student_id"],
        unique=True,
        sqlite_where=sa.text("student_id IS NOT NULL"),
        postgresql_where=sa.text("student_id IS NOT NULL"),
    )

    op.create_table(
        "assessment_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "published_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("complete_only", sa.Boolean(), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("rubric", sa.JSON(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdraw_reason", sa.Text(), nullable=True),
        _school(),
        sa.CheckConstraint(
            "revision >= 1", name=op.f("ck_assessment_publications_revision_positive")
        ),
        sa.CheckConstraint(
            "withdraw_reason IS NULL OR withdrawn_at IS NOT NULL",
            name=op.f("ck_assessment_publications_withdraw_reason_withdrawn"),
        ),
        _key(
            "fk_assessment_publications_assessment_id_project_assessments",
            ["assessment_id"],
            "project_assessments",
            ["id"],
        ),
        _key(
            "fk_assessment_publications_school_id_assessment_id",
            ["school_id", "assessment_id"],
            "project_assessments",
            ["school_id", "id"],
        ),
        _key(
            "fk_assessment_publications_school_id_published_by_id_users",
            ["school_id", "published_by_id"],
            "users",
            ["school_id", "id"],
        ),
        _key(
            "fk_assessment_publications_school_id_withdrawn_by_id_users",
            ["school_id", "withdrawn_by_id"],
            "users",
            ["school_id", "id"],
        ),
        _school_key("assessment_publications"),
        sa.PrimaryKeyConstraint("id", name="pk_assessment_publications"),
        sa.UniqueConstraint(
            "assessment_id",
            "revision",
            name="uq_assessment_publications_assessment_id_revision",
        ),
    )
    op.create_index(
        "ix_assessment_publications_school_id", "assessment_publications", ["school_id"]
    )
    op.create_index(
        "uq_assessment_publications_school_id_id",
        "assessment_publications",
        ["school_id", "id"],
        unique=True,
    )
    op.create_index(
        "uq_assessment_publications_id_assessment_id_revision",
        "assessment_publications",
        ["id", "assessment_id", "revision"],
        unique=True,
    )

    op.create_table(
        "assessment_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("project_team_id", sa.Integer(), nullable=False),
        sa.Column("team_number", sa.Integer(), nullable=False),
        sa.Column("team_version", sa.Integer(), nullable=False),
        sa.Column("weighted_score", sa.String(length=64), nullable=False),
        sa.Column("weighted_score_decimal", sa.Numeric(precision=10, scale=4), nullable=False),
        sa.Column("grade", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        _school(),
        _key(
            "fk_assessment_results_publication",
            ["publication_id", "assessment_id", "revision"],
            "assessment_publications",
            ["id", "assessment_id", "revision"],
        ),
        _key(
            "fk_assessment_results_school_id_publication_id",
            ["school_id", "publication_id"],
            "assessment_publications",
            ["school_id", "id"],
        ),
        _key(
            "fk_assessment_results_team_member",
            ["project_team_id", "student_id"],
            "project_team_members",
            ["project_team_id", "user_id"],
        ),
        _key(
            "fk_assessment_results_school_id_student_id_users",
            ["school_id", "student_id"],
            "users",
            ["school_id", "id"],
        ),
        _key(
            "fk_assessment_results_school_id_project_team_id_project_teams",
            ["school_id", "project_team_id"],
            "project_teams",
            ["school_id", "id"],
        ),
        _school_key("assessment_results"),
        sa.PrimaryKeyConstraint("id", name="pk_assessment_results"),
        sa.UniqueConstraint(
            "publication_id",
            "student_id",
            name="uq_assessment_results_publication_id_student_id",
        ),
    )
    op.create_index("ix_assessment_results_school_id", "assessment_results", ["school_id"])
    op.create_index(
        "ix_assessment_results_assessment_id_student_id",
        "assessment_results",
        ["assessment_id", "student_id"],
    )

    op.create_table(
        "self_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("project_team_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("rubric_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        _school(),
        *_timestamps(),
        sa.CheckConstraint("score >= 0", name=op.f("ck_self_assessments_score_not_negative")),
        *_sheet_keys("self_assessments", "self_assessments"),
        sa.PrimaryKeyConstraint("id", name="pk_self_assessments"),
        sa.UniqueConstraint(
            "assessment_id",
            "student_id",
            "criterion_id",
            name="uq_self_assessments_assessment_id_student_id_criterion_id",
        ),
    )
    op.create_index("ix_self_assessments_school_id", "self_assessments", ["school_id"])


def downgrade() -> None:
    op.drop_table("self_assessments")
    op.drop_table("assessment_results")
    op.drop_table("assessment_publications")
    op.drop_table("project_assessment_scores")
    op.drop_table("project_assessment_teams")
    op.drop_table("project_assessments")
