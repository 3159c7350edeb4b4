"""Helpers for the project team tests: more students, and the team tables read in full."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import ProjectTeam, ProjectTeamMember, Role, User
from tests.factories import SchoolWorld, enroll, make_user
from tests.roster.conftest import API
from tests.table_contents import select_stored, stored_columns

Factory = sessionmaker[Session]


def enrolled_students(factory: Factory, world: SchoolWorld, count: int, tag: str) -> list[int]:
    """``count`` new students of ``world`` actively enrolled in its ``course``, by id. Names sort
    like the ids (``{tag} 000``, ``{tag} 001``, …)."""
    with factory.begin() as session:
        students = [
            make_user(
                session,
                world.school,
                Role.STUDENT,
                f"{tag}{i:03d}@{world.school.slug}.example.org",
                f"{tag} {i:03d}",
                student_number=f"{tag}-{i:03d}",
            )
            for i in range(count)
        ]
        course = session.merge(world.course)
        enroll(session, course, *students)
        return [student.id for student in students]


def team_rows(factory: Factory, project_id: int) -> list[tuple[Any, ...]]:
    """Every stored column (``team_columns``) of every version of the project's teams, by id."""
    with factory() as session:
        rows = session.execute(
            select_stored(session, ProjectTeam)
            .where(ProjectTeam.project_id == project_id)
            .order_by(ProjectTeam.id)
        ).all()
    return [tuple(row) for row in rows]


def team_columns(factory: Factory) -> list[str]:
    """The names of the columns ``team_rows`` reads, in its order."""
    with factory() as session:
        return [c.name for c in stored_columns(session, ProjectTeam)]


def member_rows(factory: Factory, project_id: int) -> list[tuple[Any, ...]]:
    """Every column of every member row of the project's team versions, by id."""
    with factory() as session:
        rows = session.execute(
            select_stored(session, ProjectTeamMember)
            .where(ProjectTeamMember.project_id == project_id)
            .order_by(ProjectTeamMember.id)
        ).all()
    return [tuple(row) for row in rows]


def members_of(factory: Factory, team_id: int) -> list[int]:
    """The student ids of one team version, from the database."""
    with factory() as session:
        return list(
            session.scalars(
                select(ProjectTeamMember.user_id)
                .where(ProjectTeamMember.project_team_id == team_id)
                .order_by(ProjectTeamMember.user_id)
            )
        )


def current_teams_of(factory: Factory, project_id: int, student_id: int) -> list[int]:
    """The current team versions holding the student in the project (at most one)."""
    with factory() as session:
        return list(
            session.scalars(
                select(ProjectTeam.id)
                .join(ProjectTeamMember, ProjectTeamMember.project_team_id == ProjectTeam.id)
                .where(
                    ProjectTeam.project_id == project_id,
                    ProjectTeam.is_current,
                    ProjectTeamMember.user_id == student_id,
                )
            )
        )


def member_views(factory: Factory, ids: list[int]) -> list[dict[str, Any]]:
    """The ``members`` list the API should answer for these students (by name)."""
    with factory() as session:
        users = session.scalars(select(User).where(User.id.in_(ids))).all()
        views = [
            {"id": u.id, "name": u.name, "email": u.email, "student_number": u.student_number}
            for u in users
        ]
    return sorted(views, key=lambda view: (view["name"], view["id"]))


def teams_url(project_id: int) -> str:
    return f"{API}/projects/{project_id}/teams"
