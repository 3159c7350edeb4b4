"""Declarative base: one naming convention so migrations are portable and reviewable."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Dialect, ForeignKey, Integer, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in UTC, read back timezone-aware on both engines.

    PostgreSQL keeps ``timestamptz`` and answers aware datetimes; SQLite keeps no offset and
    answers naive ones, so an API answer would carry ``+00:00`` on one engine and nothing on the
    other. Everything teameval writes is UTC (``utcnow()`` and the databases' ``now()``), so a
    naive value read back is UTC; an aware one bound is converted to UTC first.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Timestamped:
    """UTC created/updated times, set by the database on insert and by the ORM on update."""

    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), onupdate=utcnow, nullable=False
    )


class TenantScoped:
    """Every tenant row belongs to exactly one school (DESIGN.md invariant 1)."""

    @declared_attr
    def school_id(cls) -> Mapped[int]:
        return mapped_column(
            Integer, ForeignKey("schools.id", ondelete="RESTRICT"), nullable=False, index=True
        )
