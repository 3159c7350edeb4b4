from __future__ import annotations

from sqlalchemy import (
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from teameval.models.base import Base, TenantScoped, Timestamped


class Course(TenantScoped, Timestamped, Base):
    __tablename__ = "courses"
    __table_args__ = (
        UniqueConstraint("school_id", "code"),
        # "oo-4a" next to "OO-4A" is a typo, not a second course: held by the database on both
        # engines, so two racing creates cannot both pass the service's check (migration 0003).
        Index("uq_courses_school_id_lower_code", "school_id", text("lower(code)"), unique=True),
        # The target of every tenant-scoped key to a course (migration 0004).
        Index("uq_courses_school_id_id", "school_id", "id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    period: Mapped[str | None] = mapped_column(String(50))
    level: Mapped[str | None] = mapped_column(String(50))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=true())


class TeacherCourse(TenantScoped, Timestamped, Base):
    """A teacher assigned to a course; deactivated, never deleted, so history stays."""

    __tablename__ = "teacher_courses"
    __table_args__ = (
        UniqueConstraint("course_id", "teacher_id"),
        Index("ix_teacher_courses_teacher_id_active", "teacher_id", "active"),
        # Tenant isolation held by the database (migration 0004): same-school course and teacher.
        ForeignKeyConstraint(
            ["school_id", "course_id"],
            ["courses.school_id", "courses.id"],
            name="fk_teacher_courses_school_id_course_id_courses",
        ),
        ForeignKeyConstraint(
            ["school_id", "teacher_id"],
            ["users.school_id", "users.id"],
            name="fk_teacher_courses_school_id_teacher_id_users",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), nullable=False)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=true())
