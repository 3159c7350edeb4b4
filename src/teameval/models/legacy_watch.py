"""What the service records about the legacy groups model while it retires it (issue 14).

- ``access_shadow_counts``: phase 3's shadow comparison. While legacy groups are on, every
  student course-access decision is also evaluated the legacy way; the decisions and the
  disagreements are counted per course and day (``legacy_only``: the legacy model would allow
  and the enrollment does not, so the student would lose access at the switch;
  ``enrollment_only``: the other way round).
- ``legacy_usage_counts``: phases 4-5. Calls of a legacy route (``kind = 'call'``) and reads of
  legacy data by any other route or command (``kind = 'read'``), per school, day and route.
- ``legacy_state``: at most one row (``id = 1``): the legacy mode the database holds (it
  overrides ``TEAMEVAL_LEGACY_GROUPS`` once set), and the retirement of the legacy tables with
  the archive that can restore them (phase 6).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from teameval.models.base import Base, UTCDateTime


class AccessShadowCount(Base):
    __tablename__ = "access_shadow_counts"
    __table_args__ = (
        UniqueConstraint("course_id", "day"),
        CheckConstraint(
            "decisions >= 0 AND legacy_only >= 0 AND enrollment_only >= 0",
            name="counts_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), nullable=False, index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    decisions: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    legacy_only: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    enrollment_only: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))


class LegacyUsageCount(Base):
    __tablename__ = "legacy_usage_counts"
    __table_args__ = (
        UniqueConstraint("school_id", "day", "route", "kind"),
        CheckConstraint("kind IN ('call', 'read')", name="kind_known"),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    # A route template ("GET /api/v1/courses/{course_id}/groups") or a command ("cli: import").
    route: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))


class LegacyState(Base):
    __tablename__ = "legacy_state"
    __table_args__ = (
        CheckConstraint("id = 1", name="one_row"),
        CheckConstraint("mode IS NULL OR mode IN ('dual-write', 'off')", name="mode_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # NULL: follow TEAMEVAL_LEGACY_GROUPS.
    mode: Mapped[str | None] = mapped_column(String(16))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    archive_name: Mapped[str | None] = mapped_column(String(500))
    archive_sha256: Mapped[str | None] = mapped_column(String(64))
    restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    changed_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )
