"""Peer and self evaluation (issue 13): evaluations, the team versions they locked, raters'
submissions, ratings tied to a team version, and published results.

New tables only, the same plain DDL on both engines. A rating's rater and ratee are members of
the rating's team version through ``(project_team_id, rater_id)`` / ``(project_team_id,
ratee_id)``, that version is one the evaluation linked, and its criterion is one of the
evaluation's rubric's (``(evaluation_id, rubric_id)``, ``(rubric_id, criterion_id)``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 10:12:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "peer_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("rubric_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("include_self", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="draft", nullable=False),
        sa.Column("model", sa.String(length=16), server_default="webpa", nullable=False),
        sa.Column(
            "weighting",
            sa.Numeric(precision=5, scale=4),
            server_default=sa.text("0.5"),
            nullable=False,
        ),
        sa.Column("non_submitter", sa.String(length=8), server_default="cap", nullable=False),
        sa.Column(
            "penalty", sa.Numeric(precision=5, scale=2), server_default=sa.text("0"), nullable=False
        ),
        sa.Column("thresholds", sa.JSON(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "model IN ('none', 'webpa', 'catme', 'gcf')",
            name=op.f("ck_peer_evaluations_model_known"),
        ),
        sa.CheckConstraint(
            "non_submitter IN ('cap', 'none')", name=op.f("ck_peer_evaluations_non_submitter_known")
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'open', 'closed', 'published')",
            name=op.f("ck_peer_evaluations_status_known"),
        ),
        sa.CheckConstraint(
            "closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at",
            name=op.f("ck_peer_evaluations_window_ordered"),
        ),
        sa.CheckConstraint("penalty >= 0", name=op.f("ck_peer_evaluations_penalty_not_negative")),
        sa.CheckConstraint(
            "weighting >= 0 AND weighting <= 1", name=op.f("ck_peer_evaluations_weighting_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "assessment_id"],
            ["project_assessments.school_id", "project_assessments.id"],
            name="fk_peer_evaluations_school_id_assessment_id",
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "created_by_id"],
            ["users.school_id", "users.id"],
            name="fk_peer_evaluations_school_id_created_by_id_users",
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "project_id"],
            ["projects.school_id", "projects.id"],
            name="fk_peer_evaluations_school_id_project_id_projects",
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "rubric_id"],
            ["rubrics.school_id", "rubrics.id"],
            name="fk_peer_evaluations_school_id_rubric_id_rubrics",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_peer_evaluations_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_evaluations")),
    )
    with op.batch_alter_table("peer_evaluations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_peer_evaluations_assessment_id"), ["assessment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_peer_evaluations_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_peer_evaluations_rubric_id"), ["rubric_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_peer_evaluations_school_id"), ["school_id"], unique=False
        )
        batch_op.create_index("uq_peer_evaluations_id_rubric_id", ["id", "rubric_id"], unique=True)
        batch_op.create_index("uq_peer_evaluations_school_id_id", ["school_id", "id"], unique=True)

    op.create_table(
        "peer_evaluation_teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("project_team_id", sa.Integer(), nullable=False),
        sa.Column(
            "linked_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id", "evaluation_id"],
            ["peer_evaluations.school_id", "peer_evaluations.id"],
            name="fk_peer_evaluation_teams_school_id_evaluation_id",
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "project_team_id"],
            ["project_teams.school_id", "project_teams.id"],
            name="fk_peer_evaluation_teams_school_id_project_team_id",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_peer_evaluation_teams_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_evaluation_teams")),
        sa.UniqueConstraint(
            "evaluation_id",
            "project_team_id",
            name=op.f("uq_peer_evaluation_teams_evaluation_id_project_team_id"),
        ),
    )
    with op.batch_alter_table("peer_evaluation_teams", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_peer_evaluation_teams_project_team_id"),
            ["project_team_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_peer_evaluation_teams_school_id"), ["school_id"], unique=False
        )

    op.create_table(
        "peer_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("project_team_id", sa.Integer(), nullable=False),
        sa.Column("submitted", sa.Boolean(), nullable=False),
        sa.Column("model", sa.String(length=16), nullable=False),
        sa.Column("weighting", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("factor", sa.Numeric(precision=8, scale=4), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("base_grade", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("grade", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column(
            "published_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "model IN ('none', 'webpa', 'catme', 'gcf')", name=op.f("ck_peer_results_model_known")
        ),
        sa.ForeignKeyConstraint(
            ["project_team_id", "student_id"],
            ["project_team_members.project_team_id", "project_team_members.user_id"],
            name="fk_peer_results_team_member",
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "evaluation_id"],
            ["peer_evaluations.school_id", "peer_evaluations.id"],
            name="fk_peer_results_school_id_evaluation_id",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_peer_results_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_results")),
        sa.UniqueConstraint(
            "evaluation_id", "student_id", name=op.f("uq_peer_results_evaluation_id_student_id")
        ),
    )
    with op.batch_alter_table("peer_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_peer_results_school_id"), ["school_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_peer_results_student_id"), ["student_id"], unique=False
        )

    op.create_table(
        "peer_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("rubric_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("project_team_id", sa.Integer(), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("ratee_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("comment_hidden", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("score >= 0", name=op.f("ck_peer_ratings_score_not_negative")),
        sa.ForeignKeyConstraint(
            ["evaluation_id", "project_team_id"],
            ["peer_evaluation_teams.evaluation_id", "peer_evaluation_teams.project_team_id"],
            name="fk_peer_ratings_evaluation_team",
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id", "rubric_id"],
            ["peer_evaluations.id", "peer_evaluations.rubric_id"],
            name="fk_peer_ratings_evaluation_rubric",
        ),
        sa.ForeignKeyConstraint(
            ["project_team_id", "ratee_id"],
            ["project_team_members.project_team_id", "project_team_members.user_id"],
            name="fk_peer_ratings_ratee_member",
        ),
        sa.ForeignKeyConstraint(
            ["project_team_id", "rater_id"],
            ["project_team_members.project_team_id", "project_team_members.user_id"],
            name="fk_peer_ratings_rater_member",
        ),
        sa.ForeignKeyConstraint(
            ["rubric_id", "criterion_id"],
            ["rubric_criteria.rubric_id", "rubric_criteria.id"],
            name="fk_peer_ratings_rubric_criterion",
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "evaluation_id"],
            ["peer_evaluations.school_id", "peer_evaluations.id"],
            name="fk_peer_ratings_school_id_evaluation_id",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_peer_ratings_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_ratings")),
        sa.UniqueConstraint(
            "evaluation_id",
            "rater_id",
            "ratee_id",
            "criterion_id",
            name=op.f("uq_peer_ratings_evaluation_id_rater_id_ratee_id_criterion_id"),
        ),
    )
    with op.batch_alter_table("peer_ratings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_peer_ratings_evaluation_id_ratee_id", ["evaluation_id", "ratee_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_peer_ratings_school_id"), ["school_id"], unique=False)

    op.create_table(
        "peer_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("project_team_id", sa.Integer(), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id", "project_team_id"],
            ["peer_evaluation_teams.evaluation_id", "peer_evaluation_teams.project_team_id"],
            name="fk_peer_submissions_evaluation_team",
        ),
        sa.ForeignKeyConstraint(
            ["project_team_id", "rater_id"],
            ["project_team_members.project_team_id", "project_team_members.user_id"],
            name="fk_peer_submissions_team_member",
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "evaluation_id"],
            ["peer_evaluations.school_id", "peer_evaluations.id"],
            name="fk_peer_submissions_school_id_evaluation_id",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_peer_submissions_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_submissions")),
        sa.UniqueConstraint(
            "evaluation_id", "rater_id", name=op.f("uq_peer_submissions_evaluation_id_rater_id")
        ),
    )
    with op.batch_alter_table("peer_submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_peer_submissions_rater_id"), ["rater_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_peer_submissions_school_id"), ["school_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("peer_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_peer_submissions_school_id"))
        batch_op.drop_index(batch_op.f("ix_peer_submissions_rater_id"))

    op.drop_table("peer_submissions")
    with op.batch_alter_table("peer_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_peer_ratings_school_id"))
        batch_op.drop_index("ix_peer_ratings_evaluation_id_ratee_id")

    op.drop_table("peer_ratings")
    with op.batch_alter_table("peer_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_peer_results_student_id"))
        batch_op.drop_index(batch_op.f("ix_peer_results_school_id"))

    op.drop_table("peer_results")
    with op.batch_alter_table("peer_evaluation_teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_peer_evaluation_teams_school_id"))
        batch_op.drop_index(batch_op.f("ix_peer_evaluation_teams_project_team_id"))

    op.drop_table("peer_evaluation_teams")
    with op.batch_alter_table("peer_evaluations", schema=None) as batch_op:
        batch_op.drop_index("uq_peer_evaluations_school_id_id")
        batch_op.drop_index("uq_peer_evaluations_id_rubric_id")
        batch_op.drop_index(batch_op.f("ix_peer_evaluations_school_id"))
        batch_op.drop_index(batch_op.f("ix_peer_evaluations_rubric_id"))
        batch_op.drop_index(batch_op.f("ix_peer_evaluations_project_id"))
        batch_op.drop_index(batch_op.f("ix_peer_evaluations_assessment_id"))

    op.drop_table("peer_evaluations")
