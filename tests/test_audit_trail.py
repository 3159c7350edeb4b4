"""Audit rows land in the writer's transaction, whatever the bulk path (COPY on PostgreSQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from teameval.audit_trail import COPY_THRESHOLD, Actor, AuditEntry, record_many
from teameval.models import AuditLog
from tests.factories import make_school


def _entries(count: int) -> list[AuditEntry]:
    return [
        AuditEntry("enrollment.created", "enrollment", n, {"course_id": n % 7, "note": "é'\"\\"})
        for n in range(count)
    ]


@pytest.mark.parametrize("count", [1, COPY_THRESHOLD + 5])
def test_bulk_audit_rows_are_stored_exactly(
    session_factory: sessionmaker[Session], count: int
) -> None:
    with session_factory.begin() as session:
        school = make_school(session)
        actor = Actor(school_id=school.id, user_id=None, label="cli:test")
        record_many(session, actor, _entries(count))
    with session_factory() as session:
        rows = session.execute(
            sa.select(
                AuditLog.entity_id, AuditLog.changes, AuditLog.actor_label, AuditLog.created_at
            )
            .where(AuditLog.school_id == school.id)
            .order_by(AuditLog.entity_id)
        ).all()
    assert len(rows) == count
    assert rows[-1].entity_id == count - 1
    assert rows[-1].changes == {"course_id": (count - 1) % 7, "note": "é'\"\\"}
    assert {row.actor_label for row in rows} == {"cli:test"}
    assert all(row.created_at is not None for row in rows)


def test_bulk_audit_rows_roll_back_with_their_transaction(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        school_id = make_school(session).id
    session = session_factory()
    with session.begin():
        record_many(session, Actor(school_id, None, "cli:test"), _entries(COPY_THRESHOLD + 1))
        session.rollback()  # the write these rows describe failed
    session.close()
    with session_factory() as session:
        # This school's rows (a retired database also holds the retirement's audit rows).
        kept = sa.select(sa.func.count()).where(AuditLog.school_id == school_id)
        assert session.scalar(kept) == 0
