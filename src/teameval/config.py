"""Settings, read from ``TEAMEVAL_*`` environment variables (and an optional ``.env`` file)."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./teameval.db"
# Only ever accepted for SQLite: a laptop demo needs no set-up, a server must choose its own key.
DEVELOPMENT_SECRET_KEY = "teameval-development-key-not-for-production-use"  # noqa: S105


class LegacyGroupsMode(StrEnum):
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
    secret_key: str | None = Field(default=None, description="Signs access tokens.")
    token_lifetime_minutes: int = Field(default=60, ge=1, le=60 * 24 * 30)
    dev_login: bool = Field(default=False, description="Allow password-less demo login.")
    legacy_groups: LegacyGroupsMode = LegacyGroupsMode.DUAL_WRITE
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

    def effective_secret_key(self) -> str:
        """The signing key, refusing the development default anywhere but SQLite."""
        if self.secret_key:
            return self.secret_key
        if self.is_sqlite:
            return DEVELOPMENT_SECRET_KEY
        raise ConfigurationError(
            "TEAMEVAL_SECRET_KEY is not set. A development key is only allowed with SQLite; "
            "with PostgreSQL set TEAMEVAL_SECRET_KEY to a long random value, e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
