from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from teameval.models.base import Base, UTCDateTime


class LoginThrottle(Base):
    """Login attempts not yet cleared by a success, per account or client address, in a fixed
    window. Kept in the database so the limit holds across restarts and server processes.

    ``scope`` is ``account`` (key: school slug and normalised email, whether or not such an
    account exists) or ``address`` (key: the client's IP address).
    """

    __tablename__ = "login_throttles"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
