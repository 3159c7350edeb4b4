"""Rubrics: school-wide assessment forms with weighted criteria on an integer scale.

A rubric is edited freely until something assesses with it; then ``frozen_at`` is set (by the
assessments, through ``assessments.rubrics.service.freeze_rubric``) and it never changes again:
results point at it, so a change would rewrite what was assessed. A copy is the way to change it.

Weights are exact decimals (``Numeric``), never floats. ``descriptors`` holds one text per level
of the scale (a JSON list), or NULL. Criteria are unique per ``(rubric_id, id)`` as a key target,
so a score row can refer to ``(rubric_id, criterion_id)`` and the database itself refuses a
criterion of another rubric.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from teameval.models.base import Base, TenantScoped, Timestamped, UTCDateTime

# At most this many levels on a scale (scale_max - scale_min + 1) and criteria on a rubric.
MAX_LEVELS = 10
MAX_CRITERIA = 50
# Weights: up to 6 digits before the point and 3 after.
WEIGHT_PRECISION = 9
WEIGHT_SCALE = 3


class RubricScope(StrEnum):
    PROJECT = "project"  # a teacher assesses a project team
    PEER = "peer"  # students rate themselves and their teammates


class Rubric(TenantScoped, Timestamped, Base):
    __tablename__ = "rubrics"
    __table_args__ = (
        CheckConstraint("scope IN ('project', 'peer')", name="scope_known"),
        CheckConstraint("scale_min >= 0", name="scale_min_not_negative"),
        CheckConstraint("scale_max > scale_min", name="scale_ordered"),
        CheckConstraint(f"scale_max - scale_min < {MAX_LEVELS}", name="scale_levels_bounded"),
        # Frozen and its reason go together.
        CheckConstraint("(frozen_at IS NULL) = (frozen_reason IS NULL)", name="frozen_complete"),
        # A constraint, not an index: the copied-from key refers to it within this table.
        UniqueConstraint("school_id", "id", name="uq_rubrics_school_id_id"),
        ForeignKeyConstraint(
            ["school_id", "created_by_id"],
            ["users.school_id", "users.id"],
            name="fk_rubrics_school_id_created_by_id_users",
        ),
        ForeignKeyConstraint(
            ["school_id", "copied_from_id"],
            ["rubrics.school_id", "rubrics.id"],
            name="fk_rubrics_school_id_copied_from_id_rubrics",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(16), nullable=False)
    scale_min: Mapped[int] = mapped_column(Integer, nullable=False)
    scale_max: Mapped[int] = mapped_column(Integer, nullable=False)
    # NULL when made by a command-line import on behalf of the school.
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    copied_from_id: Mapped[int | None] = mapped_column(Integer)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    frozen_reason: Mapped[str | None] = mapped_column(String(200))

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def levels(self) -> int:
        return self.scale_max - self.scale_min + 1


class RubricCriterion(TenantScoped, Timestamped, Base):
    __tablename__ = "rubric_criteria"
    __table_args__ = (
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("position >= 0", name="position_not_negative"),
        Index("uq_rubric_criteria_school_id_id", "school_id", "id", unique=True),
        # Target of a score's (rubric_id, criterion_id) key: the criterion is the rubric's own.
        Index("uq_rubric_criteria_rubric_id_id", "rubric_id", "id", unique=True),
        ForeignKeyConstraint(
            ["school_id", "rubric_id"],
            ["rubrics.school_id", "rubrics.id"],
            name="fk_rubric_criteria_school_id_rubric_id_rubrics",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    weight: Mapped[Decimal] = mapped_column(
        Numeric(WEIGHT_PRECISION, WEIGHT_SCALE, asdecimal=True), nullable=False
    )
    category: Mapped[str | None] = mapped_column(String(100))
    # One text per level of the rubric's scale, lowest first; NULL when none were given.
    descriptors: Mapped[list[Any] | None] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
