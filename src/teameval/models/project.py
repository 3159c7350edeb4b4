"""Projects and their frozen, versioned team rosters (DESIGN.md invariant 7).

A project team row is one *version* of a team. ``is_current`` marks the versions that make up
the project's layout now; a superseded or archived version keeps its row and its members for
whatever assessed it. Two rules are held by the database on both engines:

- team numbers are unique among a project's current teams (a partial unique index);
- a student is in at most one current team per project: each member row carries its team's
  ``project_id`` and ``is_current`` through one composite key with ``ON UPDATE CASCADE``, so
  retiring a version flips its members in the same statement, and a partial unique index on
  ``(project_id, user_id) WHERE is_current`` does the rest.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from teameval.models.base import Base, TenantScoped, Timestamped, UTCDateTime


class ProjectStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"
    ARCHIVED = "archived"


class LockReason(StrEnum):
    """What locked a team version; the assessment and peer-evaluation issues add their own."""

    TEACHER = "teacher"
    ASSESSMENT = "assessment"
    PEER_EVALUATION = "peer_evaluation"


class TeamSource(StrEnum):
    """Where a team's layout came from (``backfill_source``); NULL means made by hand."""

    GROUPS = "groups"
    CLONE = "clone"
    GENERATED = "generated"
    IMPORT = "import"


class Project(TenantScoped, Timestamped, Base):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'active', 'completed', 'archived')", name="status_known"
        ),
        CheckConstraint(
            "start_date IS NULL OR end_date IS NULL OR end_date >= start_date",
            name="period_ordered",
        ),
        # The target of every tenant-scoped key to a project.
        Index("uq_projects_school_id_id", "school_id", "id", unique=True),
        ForeignKeyConstraint(
            ["school_id", "course_id"],
            ["courses.school_id", "courses.id"],
            name="fk_projects_school_id_course_id_courses",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, server_default=ProjectStatus.DRAFT.value
    )


class ProjectTeam(TenantScoped, Timestamped, Base):
    """One version of a team. Never deleted; a locked version is never edited."""

    __tablename__ = "project_teams"
    __table_args__ = (
        CheckConstraint("team_number >= 1", name="team_number_positive"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "lock_reason IS NULL OR lock_reason IN ('teacher', 'assessment', 'peer_evaluation')",
            name="lock_reason_known",
        ),
        CheckConstraint(
            "backfill_source IS NULL OR backfill_source IN "
            "('groups', 'clone', 'generated', 'import')",
            name="backfill_source_known",
        ),
        # Locked and lock reason go together.
        CheckConstraint("(locked_at IS NULL) = (lock_reason IS NULL)", name="lock_complete"),
        # Team numbers are unique among the project's current teams.
        Index(
            "uq_project_teams_project_id_team_number_current",
            "project_id",
            "team_number",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
        # Targets of the members' composite key, and of tenant-scoped keys to a team.
        Index(
            "uq_project_teams_id_project_id_is_current",
            "id",
            "project_id",
            "is_current",
            unique=True,
        ),
        # A constraint, not an index: the previous-version key refers to it within this table.
        UniqueConstraint("school_id", "id", name="uq_project_teams_school_id_id"),
        ForeignKeyConstraint(
            ["school_id", "project_id"],
            ["projects.school_id", "projects.id"],
            name="fk_project_teams_school_id_project_id_projects",
        ),
        ForeignKeyConstraint(
            ["school_id", "team_id"],
            ["groups.school_id", "groups.id"],
            name="fk_project_teams_school_id_team_id_groups",
        ),
        ForeignKeyConstraint(
            ["school_id", "locked_by_id"],
            ["users.school_id", "users.id"],
            name="fk_project_teams_school_id_locked_by_id_users",
        ),
        ForeignKeyConstraint(
            ["school_id", "previous_version_id"],
            ["project_teams.school_id", "project_teams.id"],
            name="fk_project_teams_school_id_previous_version_id_project_teams",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False, index=True)
    # The legacy group this team was copied from (phase 2 maps legacy assessments through it).
    # Phase 6 retires the column with the legacy tables: never loaded unless asked for
    # (``roster.legacy.adapter.team_links``, which asks only while the column exists), an error
    # rather than a query when read unloaded, and left out of an INSERT that does not set it.
    team_id: Mapped[int | None] = mapped_column(Integer, deferred=True, deferred_raiseload=True)
    # The team's name as it was for this version.
    display_name_at_time: Mapped[str] = mapped_column(String(200), nullable=False)
    team_number: Mapped[int] = mapped_column(Integer, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    previous_version_id: Mapped[int | None] = mapped_column(Integer)
    backfill_source: Mapped[str | None] = mapped_column(String(20))
    is_current: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=true())
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lock_reason: Mapped[str | None] = mapped_column(String(20))
    # The assessment or peer evaluation that locked it (no key: those tables come later).
    lock_reference_id: Mapped[int | None] = mapped_column(Integer)
    locked_by_id: Mapped[int | None] = mapped_column(Integer)
    # Set when a newer version replaced this one, or when the team was removed.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def locked(self) -> bool:
        return self.locked_at is not None


class ProjectTeamMember(TenantScoped, Base):
    """A student in one team version. Rows of a locked version are never changed or deleted."""

    __tablename__ = "project_team_members"
    __table_args__ = (
        UniqueConstraint("project_team_id", "user_id"),
        # Copies of the team's project and currency, kept equal by the database (see module).
        ForeignKeyConstraint(
            ["project_team_id", "project_id", "is_current"],
            ["project_teams.id", "project_teams.project_id", "project_teams.is_current"],
            name="fk_project_team_members_project_team_id_project_teams",
            onupdate="CASCADE",
        ),
        ForeignKeyConstraint(
            ["school_id", "user_id"],
            ["users.school_id", "users.id"],
            name="fk_project_team_members_school_id_user_id_users",
        ),
        ForeignKeyConstraint(
            ["school_id", "project_team_id"],
            ["project_teams.school_id", "project_teams.id"],
            name="fk_project_team_members_school_id_project_team_id_project_teams",
        ),
        # A student is in at most one current team per project (invariant 7).
        Index(
            "uq_project_team_members_project_id_user_id_current",
            "project_id",
            "user_id",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
        Index("ix_project_team_members_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_team_id: Mapped[int] = mapped_column(Integer, nullable=False)
    project_id: Mapped[int] = mapped_column(Integer, nullable=False)
    is_current: Mapped[bool] = mapped_column(Boolean, nullable=False)
    user_id: Mapped[int] = mapped_column(Integer, nullable=False)
    role: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )
