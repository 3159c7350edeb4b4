"""What the team source tests read back and build: layouts as plain data, whole tables, people."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import (
    AuditLog,
    Course,
    GroupMember,
    ProjectTeam,
    ProjectTeamMember,
    Role,
    User,
)
from teameval.roster.legacy.adapter.presence import group_link, team_links
from tests.factories import enroll, make_user
from tests.table_contents import select_stored

Factory = sessionmaker[Session]


def layout(factory: Factory, project_id: int, *, current: bool = True) -> list[dict[str, Any]]:
    """The project's team versions (current ones by default) with their members' ids."""
    with factory() as session:
        # The legacy link is deferred (phase 6 may have retired its column).
        query = (
            sa.select(ProjectTeam)
            .where(ProjectTeam.project_id == project_id)
            .options(*team_links(session))
        )
        if current:
            query = query.where(ProjectTeam.is_current.is_(True))
        teams = session.scalars(query.order_by(ProjectTeam.team_number, ProjectTeam.version))
        found = []
        for team in teams:
            members = session.scalars(
                sa.select(ProjectTeamMember.user_id)
                .where(ProjectTeamMember.project_team_id == team.id)
                .order_by(ProjectTeamMember.user_id)
            )
            found.append(
                {
                    "team_number": team.team_number,
                    "name": team.display_name_at_time,
                    "version": team.version,
                    "is_current": team.is_current,
                    "backfill_source": team.backfill_source,
                    "team_id": group_link(team),
                    "members": list(members),
                }
            )
        return found


def tables(factory: Factory) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the team tables and the audit log, for "nothing was written" checks."""
    with factory() as session:
        return {
            model.__tablename__: [
                tuple(row)
                for row in session.execute(select_stored(session, model).order_by(model.id))
            ]
            for model in (ProjectTeam, ProjectTeamMember, AuditLog)
        }


def students(factory: Factory, course: Course, count: int, *, prefix: str) -> list[int]:
    """``count`` new students of the course's school, actively enrolled in it."""
    with factory.begin() as session:
        made = []
        for index in range(count):
            user = User(
                school_id=course.school_id,
                role=Role.STUDENT.value,
                email=f"{prefix}{index}@example.org",
                name=f"{prefix.title()} {index:03d}",
                student_number=f"{prefix}-{index}",
            )
            session.add(user)
            session.flush()
            made.append(user)
        enroll(session, course, *made)
        return [user.id for user in made]


def group_member(
    session: Session, group_id: int, course_id: int, school_id: int, user_id: int
) -> None:
    session.add(
        GroupMember(school_id=school_id, group_id=group_id, course_id=course_id, user_id=user_id)
    )
    session.flush()


__all__ = ["Factory", "group_member", "layout", "make_user", "students", "tables"]
