"""The legacy team model, kept in step (dual-write) until phase 6 retires it."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from teameval.models.base import Base, TenantScoped, Timestamped


class Group(TenantScoped, Timestamped, Base):
    __tablename__ = "groups"
    __table_args__ = (
        UniqueConstraint("course_id", "team_number"),
        # The target of group_members' (group_id, course_id) key: a member's course_id is
        # always its group's course, so "one active team per course" can be a unique index.
        # An index rather than a constraint: SQLite adds it without rebuilding the table.
        Index("uq_groups_id_course_id", "id", "course_id", unique=True),
        # Tenant isolation held by the database (migration 0004): a group's course is of its
        # school, and (school_id, id) is what a member's tenant-scoped key points at.
        Index("uq_groups_school_id_id", "school_id", "id", unique=True),
        ForeignKeyConstraint(
            ["school_id", "course_id"],
            ["courses.school_id", "courses.id"],
            name="fk_groups_school_id_course_id_courses",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    team_number: Mapped[int] = mapped_column(Integer, nullable=False)


class GroupMember(TenantScoped, Timestamped, Base):
    __tablename__ = "group_members"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id"),
        Index("ix_group_members_user_id_active", "user_id", "active"),
        ForeignKeyConstraint(
            ["group_id", "course_id"],
            ["groups.id", "groups.course_id"],
            name="fk_group_members_group_id_course_id_groups",
        ),
        ForeignKeyConstraint(
            ["school_id", "group_id"],
            ["groups.school_id", "groups.id"],
            name="fk_group_members_school_id_group_id_groups",
        ),
        ForeignKeyConstraint(
            ["school_id", "user_id"],
            ["users.school_id", "users.id"],
            name="fk_group_members_school_id_user_id_users",
        ),
        # A student is in at most one active legacy team per course (migration 0003).
        Index(
            "uq_group_members_course_id_user_id_active",
            "course_id",
            "user_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), nullable=False)
    # Copied from the group (the composite key above keeps it equal) so the database can hold
    # the one-team-per-course rule; every writer sets it.
    course_id: Mapped[int] = mapped_column(Integer, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    role_in_team: Mapped[str | None] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=true())
