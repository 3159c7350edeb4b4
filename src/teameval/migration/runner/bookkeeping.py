"""Run bookkeeping on our own schema: a ``migration_runs`` row per committed run, updated in
each batch's transaction, and an ``audit_logs`` row when it ends. A legacy database has neither
table and keeps no record.

Core tables with just the columns written, not the ORM models: a tool that records itself
should not pay for importing the whole model layer (start-up, see docs/benchmarks.md). The
columns match ``teameval.models.MigrationRun`` and ``AuditLog``; ``started_at`` and
``created_at`` come from the server defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

BOOKKEEPING_TABLES = ("migration_runs", "audit_logs")

_metadata = sa.MetaData()
schools = sa.Table("schools", _metadata, sa.Column("id", sa.Integer, primary_key=True))
migration_runs = sa.Table(
    "migration_runs",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("tool", sa.String(100)),
    sa.Column("school_id", sa.Integer),
    sa.Column("dry_run", sa.Boolean),
    sa.Column("status", sa.String(20)),
    sa.Column("parameters", sa.JSON),
    sa.Column("result", sa.JSON),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
)
audit_logs = sa.Table(
    "audit_logs",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("school_id", sa.Integer),
    sa.Column("actor_id", sa.Integer),
    sa.Column("actor_label", sa.String(100)),
    sa.Column("action", sa.String(100)),
    sa.Column("entity_type", sa.String(50)),
    sa.Column("entity_id", sa.Integer),
    sa.Column("changes", sa.JSON),
)


def has_bookkeeping(present: frozenset[str]) -> bool:
    return all(name in present for name in BOOKKEEPING_TABLES)


@dataclass
class RunBook:
    """The record of one committed run of ``tool`` (nothing at all when not ``enabled``)."""

    tool: str
    actor_label: str
    enabled: bool
    parameters: dict[str, Any] = field(default_factory=dict)
    run_id: int | None = None
    school_id: int | None = None  # the run's school, if that school exists here

    def start(self, connection: sa.Connection, school_id: int | None) -> None:
        if not self.enabled:
            return
        if school_id is not None:
            self.school_id = connection.scalar(
                sa.select(schools.c.id).where(schools.c.id == school_id)
            )
        self.run_id = connection.execute(
            sa.insert(migration_runs)
            .values(
                tool=self.tool,
                school_id=self.school_id,
                dry_run=False,
                status="running",
                parameters=self.parameters,
                result={},
            )
            .returning(migration_runs.c.id)
        ).scalar_one()

    def progress(self, connection: sa.Connection, document: dict[str, Any]) -> None:
        # Same transaction as the batch: the record never claims a batch that was rolled back.
        if self.run_id is None:
            return
        connection.execute(
            sa.update(migration_runs)
            .where(migration_runs.c.id == self.run_id)
            .values(result=document)
        )

    def finish(self, connection: sa.Connection, status: str, document: dict[str, Any]) -> None:
        if self.run_id is None:
            return
        connection.execute(
            sa.update(migration_runs)
            .where(migration_runs.c.id == self.run_id)
            .values(status=status, result=document, finished_at=datetime.now(UTC))
        )
        connection.execute(
            sa.insert(audit_logs).values(
                school_id=self.school_id,
                actor_id=None,
                actor_label=self.actor_label,
                action=self.tool,
                entity_type="migration_run",
                entity_id=self.run_id,
                changes=document,
            )
        )
