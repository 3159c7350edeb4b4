from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, func
from sqlalchemy.orm import Mapped, mapped_column

from teameval.models.base import Base, UTCDateTime


class InstanceSecret(Base):
    """A secret generated once per database (e.g. the token signing key on SQLite), so every
    install has its own and it survives restarts. Not tenant data: it belongs to the install."""

    __tablename__ = "instance_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )
