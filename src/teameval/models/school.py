from __future__ import annotations

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from teameval.models.base import Base, Timestamped


class School(Timestamped, Base):
    __tablename__ = "schools"
    __table_args__ = (
        CheckConstraint("locale IS NULL OR locale IN ('nl', 'en')", name="locale_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # The web UI's language for this school's users who chose none (migration 0008).
    locale: Mapped[str | None] = mapped_column(String(8))
