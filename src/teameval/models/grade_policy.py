"""Stored grade policies: the school's default (``course_id`` NULL) and per-course overrides.

At most one of each, held by two partial unique indexes (a unique key with a nullable column
would let NULLs repeat on both engines). The values mean what ``assessments.grading`` says;
``pass_level`` NULL means the midpoint of whatever rubric scale is used.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from teameval.models.base import Base, TenantScoped, Timestamped

GRADE_PRECISION = 5
GRADE_SCALE = 2
LEVEL_PRECISION = 7
LEVEL_SCALE = 3


class GradePolicyRow(TenantScoped, Timestamped, Base):
    __tablename__ = "grade_policies"
    __table_args__ = (
        CheckConstraint("min_grade < pass_grade", name="pass_above_min"),
        CheckConstraint("pass_grade < max_grade", name="pass_below_max"),
        CheckConstraint("decimals >= 0 AND decimals <= 2", name="decimals_range"),
        CheckConstraint("pass_level IS NULL OR pass_level >= 0", name="pass_level_not_negative"),
        # One school default, and one override per course.
        Index(
            "uq_grade_policies_school_id_default",
            "school_id",
            unique=True,
            sqlite_where=text("course_id IS NULL"),
            postgresql_where=text("course_id IS NULL"),
        ),
        Index(
            "uq_grade_policies_course_id",
            "course_id",
            unique=True,
            sqlite_where=text("course_id IS NOT NULL"),
            postgresql_where=text("course_id IS NOT NULL"),
        ),
        ForeignKeyConstraint(
            ["school_id", "course_id"],
            ["courses.school_id", "courses.id"],
            name="fk_grade_policies_school_id_course_id_courses",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    pass_level: Mapped[Decimal | None] = mapped_column(Numeric(LEVEL_PRECISION, LEVEL_SCALE))
    pass_grade: Mapped[Decimal] = mapped_column(
        Numeric(GRADE_PRECISION, GRADE_SCALE), nullable=False
    )
    min_grade: Mapped[Decimal] = mapped_column(
        Numeric(GRADE_PRECISION, GRADE_SCALE), nullable=False
    )
    max_grade: Mapped[Decimal] = mapped_column(
        Numeric(GRADE_PRECISION, GRADE_SCALE), nullable=False
    )
    decimals: Mapped[int] = mapped_column(Integer, nullable=False)
