"""Read the database behind the API, to check what a request really wrote."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import AuditLog, CourseEnrollment, Group, GroupMember

Factory = sessionmaker[Session]


def enrollment(factory: Factory, course_id: int, student_id: int) -> bool | None:
    """True/False for an active/inactive enrollment, None when there is no row at all."""
    with factory() as session:
        rows = session.scalars(
            select(CourseEnrollment.active).where(
                CourseEnrollment.course_id == course_id, CourseEnrollment.student_id == student_id
            )
        ).all()
    assert len(rows) <= 1, "invariant 3: one enrollment row per (course, student)"
    return rows[0] if rows else None


def membership(factory: Factory, group_id: int, student_id: int) -> bool | None:
    with factory() as session:
        return session.scalar(
            select(GroupMember.active).where(
                GroupMember.group_id == group_id, GroupMember.user_id == student_id
            )
        )


def active_teams(factory: Factory, course_id: int, student_id: int) -> list[int]:
    with factory() as session:
        return list(
            session.scalars(
                select(Group.team_number)
                .join(GroupMember, GroupMember.group_id == Group.id)
                .where(
                    Group.course_id == course_id,
                    GroupMember.user_id == student_id,
                    GroupMember.active.is_(True),
                )
                .order_by(Group.team_number)
            )
        )


def audit_actions(factory: Factory, school_id: int, since_id: int = 0) -> list[str]:
    with factory() as session:
        return list(
            session.scalars(
                select(AuditLog.action)
                .where(AuditLog.school_id == school_id, AuditLog.id > since_id)
                .order_by(AuditLog.id)
            )
        )


def audit_rows(factory: Factory, school_id: int, action: str) -> list[dict[str, Any]]:
    with factory() as session:
        rows = session.execute(
            select(AuditLog.actor_id, AuditLog.entity_id, AuditLog.changes).where(
                AuditLog.school_id == school_id, AuditLog.action == action
            )
        ).all()
    return [{"actor_id": a, "entity_id": e, "changes": c} for a, e, c in rows]


def last_audit_id(factory: Factory) -> int:
    with factory() as session:
        return int(session.scalar(select(func.max(AuditLog.id))) or 0)


def count(factory: Factory, model: Any, **where: Any) -> int:
    with factory() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int(session.scalar(query) or 0)
