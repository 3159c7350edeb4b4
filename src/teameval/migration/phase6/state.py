"""The legacy mode the database holds (``legacy_state``, one row, ``id = 1``) and what it makes
of the configured one.

The effective mode, the one the application and every command act on:

1. ``retired`` when the legacy tables are retired (``retired_at`` set and not restored since);
2. else the row's ``mode`` when set (``teameval legacy mode dual-write|off --commit``);
3. else ``TEAMEVAL_LEGACY_GROUPS``.

A database without ``legacy_state`` (a legacy-shaped one, or ours before migration 0010) holds
no mode: the configured one applies. Reads and writes are core statements over a table of just
these columns (no ORM import: the migration commands start lean).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from teameval.migration.phase6.catalog import has_table
from teameval.migration.runner.database import Connection, as_connection
from teameval.migration.runner.query import Query

if TYPE_CHECKING:
    import sqlalchemy as sa

    from teameval.config import Settings

EffectiveMode = Literal["dual-write", "off", "retired"]
Source = Literal["retired", "database", "configuration"]
STATE_TABLE = "legacy_state"
CONFIGURATION_NAME = "TEAMEVAL_LEGACY_GROUPS"


@dataclass(frozen=True)
class LegacyState:
    """The row's values, or the defaults when there is no row (or no table: ``tracked``)."""

    tracked: bool = False  # the database has the legacy_state table
    mode: str | None = None
    retired_at: datetime | None = None
    archive_name: str | None = None
    archive_sha256: str | None = None
    restored_at: datetime | None = None
    changed_at: datetime | None = None

    @property
    def retired(self) -> bool:
        if self.retired_at is None:
            return False
        return self.restored_at is None or _aware(self.restored_at) < _aware(self.retired_at)

    def to_json(self) -> dict[str, Any]:
        return {
            "tracked": self.tracked,
            "mode": self.mode,
            "retired": self.retired,
            "retired_at": _iso(self.retired_at),
            "archive_name": self.archive_name,
            "archive_sha256": self.archive_sha256,
            "restored_at": _iso(self.restored_at),
            "changed_at": _iso(self.changed_at),
        }


@dataclass(frozen=True)
class ModeDecision:
    """The effective mode and where it comes from."""

    mode: EffectiveMode
    source: Source
    configured: str  # TEAMEVAL_LEGACY_GROUPS as this process reads it
    state: LegacyState

    @property
    def explanation(self) -> str:
        if self.source == "retired":
            return (
                f"the legacy tables were retired at {_iso(self.state.retired_at)} "
                f"(archive {self.state.archive_name}); `teameval legacy restore` brings them back"
            )
        if self.source == "database":
            return f"set in the database (`teameval legacy mode`), overriding {CONFIGURATION_NAME}"
        return f"{CONFIGURATION_NAME}={self.configured}: the database holds no mode of its own"

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "source": self.source,
            "explanation": self.explanation,
            "configured": self.configured,
            "state": self.state.to_json(),
        }


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else _aware(moment).isoformat()


@cache
def _table() -> sa.Table:
    import sqlalchemy as sa

    return sa.Table(
        STATE_TABLE,
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("mode", sa.String(16)),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
        sa.Column("archive_name", sa.String(500)),
        sa.Column("archive_sha256", sa.String(64)),
        sa.Column("restored_at", sa.DateTime(timezone=True)),
        sa.Column("changed_at", sa.DateTime(timezone=True)),
    )


def _select_state() -> Query:
    def build() -> sa.Select[Any]:
        import sqlalchemy as sa

        table = _table()
        return sa.select(
            table.c.mode,
            table.c.retired_at,
            table.c.archive_name,
            table.c.archive_sha256,
            table.c.restored_at,
            table.c.changed_at,
        ).where(table.c.id == 1)

    return Query(("phase6.legacy_state",), build)


def _parse_moment(value: Any) -> datetime | None:
    # SQLite through the lean path answers text; both engines' SQLAlchemy paths a datetime.
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def legacy_state(connection: Connection | sa.Connection) -> LegacyState:
    """The row's values, or the defaults when there is no row or no ``legacy_state`` table."""
    connection = as_connection(connection)
    if not has_table(connection, STATE_TABLE):
        return LegacyState()
    rows = connection.rows(_select_state())
    if not rows:
        return LegacyState(tracked=True)
    row = rows[0]
    return LegacyState(
        tracked=True,
        mode=row.mode,
        retired_at=_parse_moment(row.retired_at),
        archive_name=row.archive_name,
        archive_sha256=row.archive_sha256,
        restored_at=_parse_moment(row.restored_at),
        changed_at=_parse_moment(row.changed_at),
    )


def configured_mode(settings: Settings | None) -> str:
    """``TEAMEVAL_LEGACY_GROUPS`` as this process reads it."""
    if settings is None:
        from teameval.config import Settings

        settings = Settings()
    return str(settings.legacy_groups.value)


def decide_mode(state: LegacyState, configured: str) -> ModeDecision:
    if state.retired:
        return ModeDecision("retired", "retired", configured, state)
    if state.mode in ("dual-write", "off"):
        return ModeDecision(state.mode, "database", configured, state)  # type: ignore[arg-type]
    mode: EffectiveMode = "off" if configured == "off" else "dual-write"
    return ModeDecision(mode, "configuration", configured, state)


def mode_decision(
    connection: Connection | sa.Connection, settings: Settings | None = None
) -> ModeDecision:
    return decide_mode(legacy_state(connection), configured_mode(settings))


def effective_legacy_mode(
    connection: Connection | sa.Connection, settings: Settings | None = None
) -> EffectiveMode:
    """``dual-write``, ``off`` or ``retired``: see the module's docstring."""
    return mode_decision(connection, settings).mode


# --- writes (the caller's transaction) ------------------------------------------------------


def _upsert(connection: Connection, values: dict[str, Any]) -> None:
    """Set these columns of row 1, creating the row when there is none."""
    names = tuple(sorted(values))

    def update() -> sa.Update:
        import sqlalchemy as sa

        table = _table()
        return (
            sa.update(table)
            .where(table.c.id == 1)
            .values({name: sa.bindparam(name, type_=table.c[name].type) for name in names})
        )

    def insert() -> sa.Insert:
        import sqlalchemy as sa

        table = _table()
        return sa.insert(table).values(
            id=1, **{name: sa.bindparam(name, type_=table.c[name].type) for name in names}
        )

    if connection.rowcount(Query(("phase6.state_update", *names), update, values)) == 0:
        connection.rowcount(Query(("phase6.state_insert", *names), insert, values))


def set_mode(connection: Connection, mode: str) -> None:
    _upsert(connection, {"mode": mode, "changed_at": datetime.now(UTC)})


def record_retirement(connection: Connection, archive_name: str, archive_sha256: str) -> None:
    """Retired now, with the archive that restores it; the mode stays ``off`` once restored
    until someone sets it."""
    now = datetime.now(UTC)
    _upsert(
        connection,
        {
            "mode": "off",
            "retired_at": now,
            "archive_name": archive_name,
            "archive_sha256": archive_sha256,
            "restored_at": None,
            "changed_at": now,
        },
    )


def record_restore(connection: Connection) -> None:
    """Restored now; legacy groups back on (``dual-write``), as before the retirement."""
    now = datetime.now(UTC)
    _upsert(connection, {"mode": "dual-write", "restored_at": now, "changed_at": now})
