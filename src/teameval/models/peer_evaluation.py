"""Peer and self evaluation of a project's teams (issue 13; docs/peer-evaluation.md).

Opening an evaluation locks the project's current team versions and links them
(``peer_evaluation_teams``); a rating names the team *version* its rater and ratee were in, and
the database holds it to that: ``(project_team_id, rater_id)`` and ``(project_team_id,
ratee_id)`` are members of that version, and ``(evaluation_id, project_team_id)`` one of the
evaluation's linked versions. So a student who moves team later keeps their ratings with the
version they were given in. A criterion belongs to the evaluation's own rubric through
``(evaluation_id, rubric_id)`` and ``(rubric_id, criterion_id)``, as assessment scores do.

Publishing writes one ``peer_results`` row per student, with the model, the weighting and the
factor it used; results are never updated.
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
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from teameval.models.base import Base, TenantScoped, Timestamped, UTCDateTime


class PeerStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


class CorrectionModel(StrEnum):
    NONE = "none"
    WEBPA = "webpa"
    CATME = "catme"
    GCF = "gcf"


class NonSubmitter(StrEnum):
    CAP = "cap"  # a non-submitter's factor is at most 1: not rating never pays
    NONE = "none"  # the model's factor as it comes


class PeerEvaluation(TenantScoped, Timestamped, Base):
    __tablename__ = "peer_evaluations"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'open', 'closed', 'published')", name="status_known"),
        CheckConstraint("model IN ('none', 'webpa', 'catme', 'gcf')", name="model_known"),
        CheckConstraint("non_submitter IN ('cap', 'none')", name="non_submitter_known"),
        CheckConstraint("weighting >= 0 AND weighting <= 1", name="weighting_in_range"),
        CheckConstraint("penalty >= 0", name="penalty_not_negative"),
        CheckConstraint(
            "closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="window_ordered"
        ),
        Index("uq_peer_evaluations_school_id_id", "school_id", "id", unique=True),
        # Target of the ratings' (evaluation_id, rubric_id) key: a rating uses this rubric.
        Index("uq_peer_evaluations_id_rubric_id", "id", "rubric_id", unique=True),
        ForeignKeyConstraint(
            ["school_id", "project_id"],
            ["projects.school_id", "projects.id"],
            name="fk_peer_evaluations_school_id_project_id_projects",
        ),
        ForeignKeyConstraint(
            ["school_id", "rubric_id"],
            ["rubrics.school_id", "rubrics.id"],
            name="fk_peer_evaluations_school_id_rubric_id_rubrics",
        ),
        ForeignKeyConstraint(
            ["school_id", "assessment_id"],
            ["project_assessments.school_id", "project_assessments.id"],
            name="fk_peer_evaluations_school_id_assessment_id",
        ),
        ForeignKeyConstraint(
            ["school_id", "created_by_id"],
            ["users.school_id", "users.id"],
            name="fk_peer_evaluations_school_id_created_by_id_users",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    rubric_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    # The assessment whose grades the correction applies to (optional).
    assessment_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    include_self: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=false())
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, server_default=PeerStatus.DRAFT.value
    )
    model: Mapped[str] = mapped_column(
        String(16), nullable=False, server_default=CorrectionModel.WEBPA.value
    )
    weighting: Mapped[Decimal] = mapped_column(
        Numeric(5, 4), nullable=False, server_default=text("0.5")
    )
    non_submitter: Mapped[str] = mapped_column(
        String(8), nullable=False, server_default=NonSubmitter.CAP.value
    )
    # Grade points taken off a student who did not submit (0: none).
    penalty: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), nullable=False, server_default=text("0")
    )
    # Flag thresholds when not the defaults (docs/peer-evaluation.md, "Flags").
    thresholds: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PeerEvaluationTeam(TenantScoped, Base):
    """A team version the evaluation locked when it opened."""

    __tablename__ = "peer_evaluation_teams"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "project_team_id"),
        ForeignKeyConstraint(
            ["school_id", "evaluation_id"],
            ["peer_evaluations.school_id", "peer_evaluations.id"],
            name="fk_peer_evaluation_teams_school_id_evaluation_id",
        ),
        ForeignKeyConstraint(
            ["school_id", "project_team_id"],
            ["project_teams.school_id", "project_teams.id"],
            name="fk_peer_evaluation_teams_school_id_project_team_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(Integer, nullable=False)
    project_team_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    linked_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )


class PeerSubmission(TenantScoped, Base):
    """One rater's form: saved as a draft, or submitted (``submitted_at``)."""

    __tablename__ = "peer_submissions"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "rater_id"),
        ForeignKeyConstraint(
            ["evaluation_id", "project_team_id"],
            ["peer_evaluation_teams.evaluation_id", "peer_evaluation_teams.project_team_id"],
            name="fk_peer_submissions_evaluation_team",
        ),
        ForeignKeyConstraint(
            ["project_team_id", "rater_id"],
            ["project_team_members.project_team_id", "project_team_members.user_id"],
            name="fk_peer_submissions_team_member",
        ),
        ForeignKeyConstraint(
            ["school_id", "evaluation_id"],
            ["peer_evaluations.school_id", "peer_evaluations.id"],
            name="fk_peer_submissions_school_id_evaluation_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(Integer, nullable=False)
    project_team_id: Mapped[int] = mapped_column(Integer, nullable=False)
    rater_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )


class PeerRating(TenantScoped, Timestamped, Base):
    """One rater's score of one ratee (a teammate, or themselves) on one criterion."""

    __tablename__ = "peer_ratings"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "rater_id", "ratee_id", "criterion_id"),
        CheckConstraint("score >= 0", name="score_not_negative"),
        Index("ix_peer_ratings_evaluation_id_ratee_id", "evaluation_id", "ratee_id"),
        ForeignKeyConstraint(
            ["evaluation_id", "rubric_id"],
            ["peer_evaluations.id", "peer_evaluations.rubric_id"],
            name="fk_peer_ratings_evaluation_rubric",
        ),
        ForeignKeyConstraint(
            ["rubric_id", "criterion_id"],
            ["rubric_criteria.rubric_id", "rubric_criteria.id"],
            name="fk_peer_ratings_rubric_criterion",
        ),
        ForeignKeyConstraint(
            ["evaluation_id", "project_team_id"],
            ["peer_evaluation_teams.evaluation_id", "peer_evaluation_teams.project_team_id"],
            name="fk_peer_ratings_evaluation_team",
        ),
        ForeignKeyConstraint(
            ["project_team_id", "rater_id"],
            ["project_team_members.project_team_id", "project_team_members.user_id"],
            name="fk_peer_ratings_rater_member",
        ),
        ForeignKeyConstraint(
            ["project_team_id", "ratee_id"],
            ["project_team_members.project_team_id", "project_team_members.user_id"],
            name="fk_peer_ratings_ratee_member",
        ),
        ForeignKeyConstraint(
            ["school_id", "evaluation_id"],
            ["peer_evaluations.school_id", "peer_evaluations.id"],
            name="fk_peer_ratings_school_id_evaluation_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(Integer, nullable=False)
    rubric_id: Mapped[int] = mapped_column(Integer, nullable=False)
    criterion_id: Mapped[int] = mapped_column(Integer, nullable=False)
    project_team_id: Mapped[int] = mapped_column(Integer, nullable=False)
    rater_id: Mapped[int] = mapped_column(Integer, nullable=False)
    ratee_id: Mapped[int] = mapped_column(Integer, nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    # The teacher hid this comment from the ratee's feedback before publishing.
    comment_hidden: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=false())


class PeerResult(TenantScoped, Base):
    """A student's published outcome: written once at publication, never updated."""

    __tablename__ = "peer_results"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "student_id"),
        CheckConstraint("model IN ('none', 'webpa', 'catme', 'gcf')", name="model_known"),
        ForeignKeyConstraint(
            ["school_id", "evaluation_id"],
            ["peer_evaluations.school_id", "peer_evaluations.id"],
            name="fk_peer_results_school_id_evaluation_id",
        ),
        ForeignKeyConstraint(
            ["project_team_id", "student_id"],
            ["project_team_members.project_team_id", "project_team_members.user_id"],
            name="fk_peer_results_team_member",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(Integer, nullable=False)
    student_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    project_team_id: Mapped[int] = mapped_column(Integer, nullable=False)
    submitted: Mapped[bool] = mapped_column(Boolean, nullable=False)
    model: Mapped[str] = mapped_column(String(16), nullable=False)
    weighting: Mapped[Decimal] = mapped_column(Numeric(5, 4), nullable=False)
    # The chosen model's factor, to 4 decimals; every model's factor in ``factors``.
    factor: Mapped[Decimal] = mapped_column(Numeric(8, 4), nullable=False)
    factors: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    # The linked assessment's grade before and after the correction (NULL without one).
    base_grade: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    grade: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    flags: Mapped[list[Any]] = mapped_column(JSON, nullable=False)
    published_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )
