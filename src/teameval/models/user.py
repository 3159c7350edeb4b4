from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy import (
    false as false_,
)
from sqlalchemy.orm import Mapped, mapped_column

from teameval.models.base import Base, TenantScoped, Timestamped


class Role(StrEnum):
    ADMIN = "admin"
    TEACHER = "teacher"
    STUDENT = "student"


class User(TenantScoped, Timestamped, Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("school_id", "email"),
        CheckConstraint("role IN ('admin', 'teacher', 'student')", name="role_known"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint("locale IS NULL OR locale IN ('nl', 'en')", name="locale_known"),
        # student_number is optional: a partial index, since NULLs never collide in unique keys.
        Index(
            "uq_users_school_id_student_number",
            "school_id",
            "student_number",
            unique=True,
            sqlite_where=text("student_number IS NOT NULL"),
            postgresql_where=text("student_number IS NOT NULL"),
        ),
        Index("ix_users_school_id_role", "school_id", "role"),
        # The target of every tenant-scoped key to a user (migration 0004): a row can only name a
        # user of its own school. An index rather than a constraint: SQLite adds it in place.
        Index("uq_users_school_id_id", "school_id", "id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    archived: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=false_())
    password_hash: Mapped[str | None] = mapped_column(String(255))
    first_name: Mapped[str | None] = mapped_column(String(100))
    prefix: Mapped[str | None] = mapped_column(String(50))
    last_name: Mapped[str | None] = mapped_column(String(100))
    student_number: Mapped[str | None] = mapped_column(String(50))
    class_name: Mapped[str | None] = mapped_column(String(50))
    # The web UI language this user chose; NULL follows the school (migration 0008).
    locale: Mapped[str | None] = mapped_column(String(8))
