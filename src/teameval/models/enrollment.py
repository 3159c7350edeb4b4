from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, ForeignKeyConstraint, Index, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from teameval.models.base import Base, TenantScoped, Timestamped


class CourseEnrollment(TenantScoped, Timestamped, Base):
    """The single source of truth for which students belong to which course."""

    __tablename__ = "course_enrollments"
    __table_args__ = (
        UniqueConstraint("course_id", "student_id"),
        Index("ix_course_enrollments_course_id_active", "course_id", "active"),
        Index("ix_course_enrollments_student_id_active", "student_id", "active"),
        # Tenant isolation held by the database (migration 0004): same-school course and student.
        ForeignKeyConstraint(
            ["school_id", "course_id"],
            ["courses.school_id", "courses.id"],
            name="fk_course_enrollments_school_id_course_id_courses",
        ),
        ForeignKeyConstraint(
            ["school_id", "student_id"],
            ["users.school_id", "users.id"],
            name="fk_course_enrollments_school_id_student_id_users",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), nullable=False)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=true())
