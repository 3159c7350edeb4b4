"""Settings, read from ``TEAMEVAL_*`` environment variables (and an optional ``.env`` file)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./teameval.db"


class LegacyGroupsMode(StrEnum):
    """``TEAMEVAL_LEGACY_GROUPS``. Read only by ``roster.legacy.adapter``, whose docstring defines
    ``off`` exactly: nothing creates or activates a legacy team or membership, legacy data is not
    shown, and ending an enrollment still deactivates that student's memberships in the course."""

    DUAL_WRITE = "dual-write"
    OFF = "off"


class ConfigurationError(RuntimeError):
    """The settings cannot run a service; the message says which one and why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TEAMEVAL_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite:///path.db or postgresql+psycopg://user@host/db",
    )
    secret_key: str | None = Field(
        default=None,
        description="Signs access tokens. Required with PostgreSQL; without it SQLite keeps a "
        "random key generated for that database.",
    )
    token_lifetime_minutes: int = Field(default=60, ge=1, le=60 * 24 * 30)
    # Login throttling (auth/throttling.py). An account is the school slug plus the normalised
    # email, whether or not it exists; an address is the client IP as uvicorn reports it.
    login_account_max_failures: int = Field(default=5, ge=1)
    login_account_window_seconds: int = Field(default=15 * 60, ge=1)
    login_address_max_failures: int = Field(default=100, ge=1)
    login_address_window_seconds: int = Field(default=15 * 60, ge=1)
    # argon2id takes 64 MiB per hash: at most this many at once per process, waiting at most
    # this long for a turn before answering 503.
    password_hashing_concurrency: int = Field(default=2, ge=1, le=64)
    password_hashing_wait_seconds: float = Field(default=10.0, gt=0, le=300)
    dev_login: bool = Field(default=False, description="Allow password-less demo login.")
    legacy_groups: LegacyGroupsMode = LegacyGroupsMode.DUAL_WRITE
    # Phases 4-5 (docs/migration.md): what every legacy route's Deprecation (RFC 9745), Sunset
    # (RFC 8594) and Link rel="deprecation" headers say.
    legacy_deprecated_at: datetime = Field(
        default=datetime(2026, 9, 1, tzinfo=UTC),
        description="When the legacy team API was deprecated (Deprecation header).",
    )
    legacy_sunset_at: datetime = Field(
        default=datetime(2027, 8, 1, tzinfo=UTC),
        description="When the legacy team API stops answering (Sunset header).",
    )
    legacy_deprecation_url: str = Field(
        default="/legacy-api",
        description="Where people read about the deprecation (Link rel=deprecation).",
    )
    import_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    import_max_rows: int = Field(default=10_000, ge=1)
    # Load behaviour (docs/architecture.md, "Under load"): at most db_max_concurrency requests
    # use the database at once; the pool holds that many connections plus a small margin.
    db_max_concurrency: int = Field(
        default=10, ge=1, le=30, description="Requests using the database at once, per process."
    )
    db_queue_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Longest wait for a turn before answering 503."
    )
    db_pool_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Longest wait for a pooled connection."
    )
    db_lock_timeout_ms: int = Field(
        default=5000, ge=0, description="PostgreSQL lock_timeout / SQLite busy_timeout; 0 = none."
    )
    db_statement_timeout_ms: int = Field(
        default=30_000, ge=0, description="PostgreSQL statement_timeout; 0 = none."
    )

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres_driver(cls, value: str) -> str:
        # Operators paste URLs from elsewhere; always speak psycopg 3 to PostgreSQL.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def configured_secret_key(self) -> str | None:
        """``TEAMEVAL_SECRET_KEY``, or None on SQLite, where the key generated for that database
        is used (``teameval.auth.instance_key``). PostgreSQL serves several processes and hosts,
        so its operator must choose the key: refused without one."""
        if self.secret_key:
            return self.secret_key
        if self.is_sqlite:
            return None
        raise ConfigurationError(
            "TEAMEVAL_SECRET_KEY is not set. Only SQLite generates a key of its own; "
            "with PostgreSQL set TEAMEVAL_SECRET_KEY to a long random value, e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
