"""Run bookkeeping on our own schema: a ``migration_runs`` row per committed run, updated in
each batch's transaction, and an ``audit_logs`` row when it ends. A legacy database has neither
table and keeps no record.

Core tables with just the columns written, not the ORM models: a tool that records itself
should not pay for importing the whole model layer (start-up, see docs/benchmarks.md); they are
made only when a statement is built (``Query``). The columns match
``teameval.models.MigrationRun`` and ``AuditLog``; ``started_at`` and ``created_at`` come from
the server defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from teameval.migration.runner.database import Connection
from teameval.migration.runner.query import Query

if TYPE_CHECKING:
    import sqlalchemy as sa

BOOKKEEPING_TABLES = ("migration_runs", "audit_logs")


@cache
def _tables() -> dict[str, sa.Table]:
    import sqlalchemy as sa

    metadata = sa.MetaData()
    return {
        "schools": sa.Table("schools", metadata, sa.Column("id", sa.Integer, primary_key=True)),
        "migration_runs": sa.Table(
            "migration_runs",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("tool", sa.String(100)),
            sa.Column("school_id", sa.Integer),
            sa.Column("dry_run", sa.Boolean),
            sa.Column("status", sa.String(20)),
            sa.Column("parameters", sa.JSON),
            sa.Column("result", sa.JSON),
            sa.Column("finished_at", sa.DateTime(timezone=True)),
        ),
        "audit_logs": sa.Table(
            "audit_logs",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("school_id", sa.Integer),
            sa.Column("actor_id", sa.Integer),
            sa.Column("actor_label", sa.String(100)),
            sa.Column("action", sa.String(100)),
            sa.Column("entity_type", sa.String(50)),
            sa.Column("entity_id", sa.Integer),
            sa.Column("changes", sa.JSON),
        ),
    }


def has_bookkeeping(present: frozenset[str]) -> bool:
    return all(name in present for name in BOOKKEEPING_TABLES)


def school_exists(school_id: int) -> Query:
    def build() -> sa.Select[Any]:
        import sqlalchemy as sa

        schools = _tables()["schools"]
        return sa.select(schools.c.id).where(schools.c.id == sa.bindparam("school_id", school_id))

    return Query(("bookkeeping.school",), build, {"school_id": school_id})


def insert_run(values: dict[str, Any]) -> Query:
    # Insert parameters are named after their columns, so ``values`` names them all.
    def build() -> sa.Insert:
        import sqlalchemy as sa

        runs = _tables()["migration_runs"]
        return sa.insert(runs).values(**values).returning(runs.c.id)

    return Query(("bookkeeping.insert_run", *sorted(values)), build, values)


def update_run(run_id: int, values: dict[str, Any]) -> Query:
    def build() -> sa.Update:
        import sqlalchemy as sa

        runs = _tables()["migration_runs"]
        return sa.update(runs).where(runs.c.id == sa.bindparam("run_id", run_id)).values(**values)

    return Query(("bookkeeping.update_run", *sorted(values)), build, {**values, "run_id": run_id})


def insert_audit_log(values: dict[str, Any]) -> Query:
    def build() -> sa.Insert:
        import sqlalchemy as sa

        return sa.insert(_tables()["audit_logs"]).values(**values)

    return Query(("bookkeeping.insert_audit_log", *sorted(values)), build, values)


@dataclass
class RunBook:
    """The record of one committed run of ``tool`` (nothing at all when not ``enabled``)."""

    tool: str
    actor_label: str
    enabled: bool
    parameters: dict[str, Any] = field(default_factory=dict)
    run_id: int | None = None
    school_id: int | None = None  # the run's school, if that school exists here

    def start(self, connection: Connection, school_id: int | None) -> None:
        if not self.enabled:
            return
        if school_id is not None:
            self.school_id = connection.scalar(school_exists(school_id))
        self.run_id = connection.scalar(
            insert_run(
                {
                    "tool": self.tool,
                    "school_id": self.school_id,
                    "dry_run": False,
                    "status": "running",
                    "parameters": self.parameters,
                    "result": {},
                }
            )
        )

    def progress(self, connection: Connection, document: dict[str, Any]) -> None:
        # Same transaction as the batch: the record never claims a batch that was rolled back.
        if self.run_id is None:
            return
        connection.rowcount(update_run(self.run_id, {"result": document}))

    def finish(self, connection: Connection, status: str, document: dict[str, Any]) -> None:
        if self.run_id is None:
            return
        finished = {"status": status, "result": document, "finished_at": datetime.now(UTC)}
        connection.rowcount(update_run(self.run_id, finished))
        connection.rowcount(
            insert_audit_log(
                {
                    "school_id": self.school_id,
                    "actor_id": None,
                    "actor_label": self.actor_label,
                    "action": self.tool,
                    "entity_type": "migration_run",
                    "entity_id": self.run_id,
                    "changes": document,
                }
            )
        )
