"""Engines and sessions for SQLite and PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from teameval.config import Settings

# Connections beyond the admitted requests: /health (which is not admission-controlled) and the
# short side transactions some requests open next to their own (login throttling, key reads).
POOL_MARGIN = 5
# Without a setting (tools, tests): wait for SQLite's writer lock as long as a batch may take.
DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_connection_setup(busy_timeout_ms: int) -> Any:
    def setup(dbapi_connection: Any, _record: Any) -> None:
        # SQLite ignores foreign keys unless every connection asks for them.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    return setup


def make_engine(
    url: str,
    *,
    lock_timeout_ms: int | None = None,
    statement_timeout_ms: int | None = None,
    **kwargs: Any,
) -> Engine:
    """An engine for ``url`` with the per-connection settings each backend needs.

    ``lock_timeout_ms`` is SQLite's busy_timeout and PostgreSQL's ``lock_timeout``;
    ``statement_timeout_ms`` is PostgreSQL's ``statement_timeout`` (0 = none). They are safety
    nets: a request stuck behind a lock fails (503, retry) instead of holding its connection.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        busy = DEFAULT_SQLITE_BUSY_TIMEOUT_MS if lock_timeout_ms is None else lock_timeout_ms
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_connection_setup(busy))
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    options = [
        f"-c {name}={int(value)}"
        for name, value in (
            ("lock_timeout", lock_timeout_ms),
            ("statement_timeout", statement_timeout_ms),
        )
        if value is not None
    ]
    if options:
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args["options"] = " ".join([connect_args.get("options", ""), *options]).strip()
        kwargs["connect_args"] = connect_args
    return create_engine(url, **kwargs)


def admitted_requests(settings: Settings) -> int:
    """How many requests may use the database at once: the main lane plus the sign-in lane
    (``teameval.admission``)."""
    return settings.db_max_concurrency + settings.password_hashing_concurrency


def make_app_engine(settings: Settings) -> Engine:
    """The service's engine: a pool sized to the admitted requests, short waits, timeouts."""
    return make_engine(
        settings.database_url,
        lock_timeout_ms=settings.db_lock_timeout_ms,
        statement_timeout_ms=(None if settings.is_sqlite else settings.db_statement_timeout_ms),
        pool_size=admitted_requests(settings) + POOL_MARGIN,
        max_overflow=0,
        pool_timeout=settings.db_pool_timeout_seconds,
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
