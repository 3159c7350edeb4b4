"""``GET /me/projects``: the projects of the caller's courses, and a student's own team in each.

A page costs a constant number of statements whatever its size: the count, the page of projects
with their courses, and (students only) one read of the caller's current teams on that page with
every member's name. Other students' emails never leave here: teammates are ``{id, name}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from teameval.access import PROJECT, Principal, ProjectAction, visible
from teameval.kit.pagination import Page, PageRequest
from teameval.models import Course, Project, ProjectTeam, ProjectTeamMember, Role, User
from teameval.projects.schemas import MyProjectOut, MyTeamOut, ProjectOut, TeammateOut
from teameval.roster.courses.schemas import CourseRef


def _my_projects_query(principal: Principal) -> Select[Any]:
    # The project VIEW rule is the filter: a student's actively enrolled courses and only their
    # active and completed projects, a teacher's courses, an admin's school.
    projects = visible(principal, PROJECT, ProjectAction.VIEW)
    return (
        projects.add_columns(Course.id, Course.code, Course.name)
        .join(Course, Course.id == Project.course_id)
        .order_by(Project.start_date.asc().nulls_last(), Project.id)
    )


def _my_teams(
    session: Session, student_id: int, project_ids: Sequence[int]
) -> dict[int, MyTeamOut]:
    """The student's current team in each of ``project_ids`` with its members, in one statement."""
    if not project_ids:
        return {}
    mine = aliased(ProjectTeamMember)
    member = aliased(ProjectTeamMember)
    rows = session.execute(
        select(ProjectTeam, User.id, User.name)
        .join(mine, mine.project_team_id == ProjectTeam.id)
        .join(member, member.project_team_id == ProjectTeam.id)
        .join(User, User.id == member.user_id)
        .where(
            mine.user_id == student_id,
            mine.is_current.is_(True),
            ProjectTeam.is_current.is_(True),
            ProjectTeam.project_id.in_(project_ids),
        )
        .order_by(ProjectTeam.id, User.name, User.id)
    ).all()
    teams: dict[int, MyTeamOut] = {}
    for team, user_id, user_name in rows:
        found = teams.get(team.project_id)
        if found is None:
            found = teams[team.project_id] = MyTeamOut(
                id=team.id,
                team_number=team.team_number,
                name=team.display_name_at_time,
                version=team.version,
                members=[],
            )
        found.members.append(TeammateOut(id=user_id, name=user_name))
    return teams


def my_projects(session: Session, principal: Principal, page: PageRequest) -> Page[MyProjectOut]:
    query = _my_projects_query(principal)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.execute(query.limit(page.page_size).offset(page.offset)).all()
    teams: dict[int, MyTeamOut] = {}
    if principal.role is Role.STUDENT:
        teams = _my_teams(session, principal.user_id, [row[0].id for row in rows])
    items = [
        MyProjectOut(
            **ProjectOut.model_validate(project).model_dump(),
            course=CourseRef(id=course_id, code=code, name=name),
            my_team=teams.get(project.id),
        )
        for project, course_id, code, name in rows
    ]
    return Page[MyProjectOut](
        items=items, total=int(total), page=page.page, page_size=page.page_size
    )
