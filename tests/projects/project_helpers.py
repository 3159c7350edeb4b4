"""Helpers shared by the project tests: the world fixture's builder and reads of what was written.

The ``worlds`` fixture itself lives in ``tests/roster/conftest.py``, which does not reach this
package; each module declares ``worlds`` with ``build_worlds`` (one line).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import AuditLog, Project

Factory = sessionmaker[Session]


def audit_rows(factory: Factory, entity_id: int) -> list[dict[str, Any]]:
    """Every audit row about project ``entity_id``, oldest first, as the columns that matter."""
    with factory() as session:
        rows = session.scalars(
            select(AuditLog)
            .where(AuditLog.entity_type == "project", AuditLog.entity_id == entity_id)
            .order_by(AuditLog.id)
        ).all()
        return [
            {
                "action": row.action,
                "actor_id": row.actor_id,
                "actor_label": row.actor_label,
                "school_id": row.school_id,
                "changes": row.changes,
            }
            for row in rows
        ]


def stored_project(factory: Factory, project_id: int) -> dict[str, Any]:
    """The project row as the database holds it (for "nothing changed" assertions)."""
    with factory() as session:
        project = session.get(Project, project_id)
        assert project is not None
        return {column.key: getattr(project, column.key) for column in Project.__table__.columns}


def problem(
    status: int, slug: str, title: str, detail: str, instance: str, **extensions: Any
) -> dict[str, Any]:
    return {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extensions,
    }


def app_engine(client: TestClient) -> sa.Engine:
    """The engine the app under test sends its statements through (for ``recorded_statements``)."""
    engine: sa.Engine = client.app.state.teameval.session_factory.kw["bind"]  # type: ignore[attr-defined]
    return engine
