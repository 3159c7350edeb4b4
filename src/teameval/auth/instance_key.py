"""The token signing key of an install that has no ``TEAMEVAL_SECRET_KEY`` (SQLite only).

Generated on first use and kept in the database itself (``instance_secrets``), so every install
has its own key, a restart keeps sessions valid, and a copy of the database (which anyone able to
read it could abuse anyway: it holds the password hashes) is the only place it lives. Two
processes starting at once both insert-if-absent and then read back, so they agree.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from teameval.models import InstanceSecret

SIGNING_KEY_NAME = "token-signing-key"


def instance_secret(engine: Engine, name: str) -> str:
    """The secret called ``name`` in this database, created (256 random bits) if missing."""
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    candidate = secrets.token_urlsafe(32)
    with engine.begin() as connection:
        connection.execute(
            insert(InstanceSecret)
            .values(name=name, value=candidate, created_at=datetime.now(UTC))
            .on_conflict_do_nothing(index_elements=[InstanceSecret.name])
        )
        value = connection.scalar(select(InstanceSecret.value).where(InstanceSecret.name == name))
    if value is None:  # pragma: no cover - the row was inserted or already there
        raise RuntimeError(f"instance secret {name!r} could not be stored")
    return value


def instance_signing_key(engine: Engine) -> str:
    return instance_secret(engine, SIGNING_KEY_NAME)
