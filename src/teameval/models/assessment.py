"""Assessments of project teams against a rubric, their score sheets, and frozen results.

An assessment links team *versions* (``project_assessment_teams``): opening it locks them, so
the people who were assessed are the people in the result. Scores point at the assessment's
own rubric through ``(assessment_id, rubric_id)`` and at one of that rubric's criteria through
``(rubric_id, criterion_id)``, so the database itself refuses a criterion of another rubric; a
student's override points at ``(project_team_id, student_id)`` of the team version's members.

A team score and an override live in one table, told apart by ``student_id IS NULL``; two
partial unique indexes hold "one each" on both engines (a nullable column inside one unique key
would let the team score repeat, which the seed platform's auto-save did).

Publishing writes one ``assessment_publications`` row (the policy and rubric as they were) and
one ``assessment_results`` row per graded student. Results are never updated or deleted:
withdrawing marks the publication, publishing again writes revision n+1 beside it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from teameval.models.base import Base, TenantScoped, Timestamped, UTCDateTime

# Weighted scores are kept exactly ("n/d") and, for display and sorting, to 4 places.
WEIGHTED_SCORE_PRECISION = 10
WEIGHTED_SCORE_SCALE = 4


class AssessmentStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


class ScoreSource(StrEnum):
    """Where a result's criterion score came from."""

    TEAM = "team"
    OVERRIDE = "override"


class ProjectAssessment(TenantScoped, Timestamped, Base):
    __tablename__ = "project_assessments"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'open', 'closed', 'published')", name="status_known"),
        CheckConstraint("revision >= 0", name="revision_not_negative"),
        # The target of every tenant-scoped key to an assessment.
        Index("uq_project_assessments_school_id_id", "school_id", "id", unique=True),
        # Target of the scores' (assessment_id, rubric_id) key: a score uses this rubric.
        Index("uq_project_assessments_id_rubric_id", "id", "rubric_id", unique=True),
        ForeignKeyConstraint(
            ["school_id", "project_id"],
            ["projects.school_id", "projects.id"],
            name="fk_project_assessments_school_id_project_id_projects",
        ),
        ForeignKeyConstraint(
            ["school_id", "rubric_id"],
            ["rubrics.school_id", "rubrics.id"],
            name="fk_project_assessments_school_id_rubric_id_rubrics",
        ),
        ForeignKeyConstraint(
            ["school_id", "created_by_id"],
            ["users.school_id", "users.id"],
            name="fk_project_assessments_school_id_created_by_id_users",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False, index=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id"), nullable=False, index=True)
    # NULL when made by a command on behalf of the school.
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(50), nullable=False, server_default="final")
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, server_default=AssessmentStatus.DRAFT.value
    )
    # The assessment's own override of the effective policy: {pass_level?, pass_grade?, decimals?}.
    grade_policy: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The latest publication's revision; 0 while never published.
    revision: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProjectAssessmentTeam(TenantScoped, Timestamped, Base):
    """One team version linked to an assessment: the sheet's header (comment, ETag)."""

    __tablename__ = "project_assessment_teams"
    __table_args__ = (
        CheckConstraint("sheet_version >= 0", name="sheet_version_not_negative"),
        # Target of the scores' and self-assessments' (assessment_id, project_team_id) keys.
        UniqueConstraint("assessment_id", "project_team_id"),
        Index("ix_project_assessment_teams_project_team_id", "project_team_id"),
        ForeignKeyConstraint(
            ["school_id", "assessment_id"],
            ["project_assessments.school_id", "project_assessments.id"],
            name="fk_project_assessment_teams_school_id_assessment_id",
        ),
        ForeignKeyConstraint(
            ["school_id", "project_team_id"],
            ["project_teams.school_id", "project_teams.id"],
            name="fk_project_assessment_teams_school_id_project_team_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("project_assessments.id"), nullable=False)
    project_team_id: Mapped[int] = mapped_column(Integer, nullable=False)
    # False once this team version was superseded or archived while the assessment was draft
    # or open: kept with its scores, left out of writes, results and publish.
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=true())
    # The general comment on the team.
    comment: Mapped[str | None] = mapped_column(Text)
    # Bumped by every save of the sheet: its ETag.
    sheet_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    linked_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )


class ProjectAssessmentScore(TenantScoped, Timestamped, Base):
    """A team score (``student_id`` NULL) or one student's override (with a reason)."""

    __tablename__ = "project_assessment_scores"
    __table_args__ = (
        CheckConstraint("student_id IS NULL OR reason IS NOT NULL", name="override_has_reason"),
        CheckConstraint("score >= 0", name="score_not_negative"),
        Index(
            "uq_project_assessment_scores_team",
            "assessment_id",
            "project_team_id",
            "criterion_id",
            unique=True,
            sqlite_where=text("student_id IS NULL"),
            postgresql_where=text("student_id IS NULL"),
        ),
        Index(
            "uq_project_assessment_scores_override",
            "assessment_id",
            "project_team_id",
            "criterion_id",
            "student_id",
            unique=True,
            sqlite_where=text("student_id IS NOT NULL"),
            postgresql_where=text("student_id IS NOT NULL"),
        ),
        ForeignKeyConstraint(
            ["assessment_id", "rubric_id"],
            ["project_assessments.id", "project_assessments.rubric_id"],
            name="fk_project_assessment_scores_assessment_rubric",
        ),
        ForeignKeyConstraint(
            ["rubric_id", "criterion_id"],
            ["rubric_criteria.rubric_id", "rubric_criteria.id"],
            name="fk_project_assessment_scores_rubric_criterion",
        ),
        ForeignKeyConstraint(
            ["assessment_id", "project_team_id"],
            ["project_assessment_teams.assessment_id", "project_assessment_teams.project_team_id"],
            name="fk_project_assessment_scores_assessment_team",
        ),
        ForeignKeyConstraint(
            ["project_team_id", "student_id"],
            ["project_team_members.project_team_id", "project_team_members.user_id"],
            name="fk_project_assessment_scores_team_member",
        ),
        ForeignKeyConstraint(
            ["school_id", "assessment_id"],
            ["project_assessments.school_id", "project_assessments.id"],
            name="fk_project_assessment_scores_school_id_assessment_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(Integer, nullable=False)
    rubric_id: Mapped[int] = mapped_column(Integer, nullable=False)
    criterion_id: Mapped[int] = mapped_column(Integer, nullable=False)
    project_team_id: Mapped[int] = mapped_column(Integer, nullable=False)
    student_id: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)


class AssessmentPublication(TenantScoped, Base):
    """One publication (revision) of an assessment, with the policy and rubric it used."""

    __tablename__ = "assessment_publications"
    __table_args__ = (
        CheckConstraint("revision >= 1", name="revision_positive"),
        CheckConstraint(
            "withdraw_reason IS NULL OR withdrawn_at IS NOT NULL", name="withdraw_reason_withdrawn"
        ),
        UniqueConstraint("assessment_id", "revision"),
        Index("uq_assessment_publications_school_id_id", "school_id", "id", unique=True),
        # Target of the results' key: a result's publication, assessment and revision agree.
        Index(
            "uq_assessment_publications_id_assessment_id_revision",
            "id",
            "assessment_id",
            "revision",
            unique=True,
        ),
        ForeignKeyConstraint(
            ["school_id", "assessment_id"],
            ["project_assessments.school_id", "project_assessments.id"],
            name="fk_assessment_publications_school_id_assessment_id",
        ),
        ForeignKeyConstraint(
            ["school_id", "published_by_id"],
            ["users.school_id", "users.id"],
            name="fk_assessment_publications_school_id_published_by_id_users",
        ),
        ForeignKeyConstraint(
            ["school_id", "withdrawn_by_id"],
            ["users.school_id", "users.id"],
            name="fk_assessment_publications_school_id_withdrawn_by_id_users",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("project_assessments.id"), nullable=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    published_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )
    published_by_id: Mapped[int | None] = mapped_column(Integer)
    complete_only: Mapped[bool] = mapped_column(Boolean, nullable=False)
    # The effective grade policy and the rubric (title, scale, criteria with weights) as used.
    policy: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    rubric: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(Integer)
    withdraw_reason: Mapped[str | None] = mapped_column(Text)


class AssessmentResult(TenantScoped, Base):
    """One student's grade in one publication. Never updated, never deleted."""

    __tablename__ = "assessment_results"
    __table_args__ = (
        UniqueConstraint("publication_id", "student_id"),
        Index("ix_assessment_results_assessment_id_student_id", "assessment_id", "student_id"),
        ForeignKeyConstraint(
            ["publication_id", "assessment_id", "revision"],
            [
                "assessment_publications.id",
                "assessment_publications.assessment_id",
                "assessment_publications.revision",
            ],
            name="fk_assessment_results_publication",
        ),
        ForeignKeyConstraint(
            ["school_id", "publication_id"],
            ["assessment_publications.school_id", "assessment_publications.id"],
            name="fk_assessment_results_school_id_publication_id",
        ),
        ForeignKeyConstraint(
            ["project_team_id", "student_id"],
            ["project_team_members.project_team_id", "project_team_members.user_id"],
            name="fk_assessment_results_team_member",
        ),
        ForeignKeyConstraint(
            ["school_id", "student_id"],
            ["users.school_id", "users.id"],
            name="fk_assessment_results_school_id_student_id_users",
        ),
        ForeignKeyConstraint(
            ["school_id", "project_team_id"],
            ["project_teams.school_id", "project_teams.id"],
            name="fk_assessment_results_school_id_project_team_id_project_teams",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(Integer, nullable=False)
    publication_id: Mapped[int] = mapped_column(Integer, nullable=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    student_id: Mapped[int] = mapped_column(Integer, nullable=False)
    project_team_id: Mapped[int] = mapped_column(Integer, nullable=False)
    team_number: Mapped[int] = mapped_column(Integer, nullable=False)
    team_version: Mapped[int] = mapped_column(Integer, nullable=False)
    # The exact weighted score as a fraction "n/d".
    weighted_score: Mapped[str] = mapped_column(String(64), nullable=False)
    weighted_score_decimal: Mapped[Decimal] = mapped_column(
        Numeric(WEIGHTED_SCORE_PRECISION, WEIGHTED_SCORE_SCALE), nullable=False
    )
    grade: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False)
    # [{criterion_id, name, weight, score, source: "team"|"override", reason}]
    scores: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )


class SelfAssessment(TenantScoped, Timestamped, Base):
    """A team member's own score for one criterion. Never feeds the grade."""

    __tablename__ = "self_assessments"
    __table_args__ = (
        CheckConstraint("score >= 0", name="score_not_negative"),
        UniqueConstraint("assessment_id", "student_id", "criterion_id"),
        ForeignKeyConstraint(
            ["assessment_id", "rubric_id"],
            ["project_assessments.id", "project_assessments.rubric_id"],
            name="fk_self_assessments_assessment_rubric",
        ),
        ForeignKeyConstraint(
            ["rubric_id", "criterion_id"],
            ["rubric_criteria.rubric_id", "rubric_criteria.id"],
            name="fk_self_assessments_rubric_criterion",
        ),
        ForeignKeyConstraint(
            ["assessment_id", "project_team_id"],
            ["project_assessment_teams.assessment_id", "project_assessment_teams.project_team_id"],
            name="fk_self_assessments_assessment_team",
        ),
        ForeignKeyConstraint(
            ["project_team_id", "student_id"],
            ["project_team_members.project_team_id", "project_team_members.user_id"],
            name="fk_self_assessments_team_member",
        ),
        ForeignKeyConstraint(
            ["school_id", "assessment_id"],
            ["project_assessments.school_id", "project_assessments.id"],
            name="fk_self_assessments_school_id_assessment_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(Integer, nullable=False)
    project_team_id: Mapped[int] = mapped_column(Integer, nullable=False)
    student_id: Mapped[int] = mapped_column(Integer, nullable=False)
    rubric_id: Mapped[int] = mapped_column(Integer, nullable=False)
    criterion_id: Mapped[int] = mapped_column(Integer, nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
