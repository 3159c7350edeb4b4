"""Who may do what on a project and on a project team (see ``access.rules`` for how it is used).

Both follow the project's course: admins of the school and the course's active teachers view and
manage; a student actively enrolled in the course views its ``active`` and ``completed``
projects (never a draft, never an archived one). Students do not read team rosters through the
team routes: they see their own team on ``GET /me/projects``.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, and_, exists

from teameval.access.courses import enrolled, teaches
from teameval.access.principal import Principal
from teameval.access.rules import ResourceKind, anything, register
from teameval.models import Project, ProjectStatus, ProjectTeam, Role

# What a student may see of a course's projects.
STUDENT_VISIBLE_STATUSES = (ProjectStatus.ACTIVE.value, ProjectStatus.COMPLETED.value)


class ProjectAction(StrEnum):
    VIEW = "view"  # read the project (and, for staff, its teams)
    MANAGE = "manage"  # change the project, its status and its teams


def _teaches_project_course(principal: Principal) -> ColumnElement[bool]:
    return teaches(principal, Project.course_id)


def _student_sees_project(principal: Principal) -> ColumnElement[bool]:
    return and_(
        enrolled(principal, Project.course_id), Project.status.in_(STUDENT_VISIBLE_STATUSES)
    )


PROJECT = register(
    ResourceKind(
        name="project",
        noun="Project",
        model=Project,
        rules={
            (ProjectAction.VIEW, Role.ADMIN): anything,
            (ProjectAction.MANAGE, Role.ADMIN): anything,
            (ProjectAction.VIEW, Role.TEACHER): _teaches_project_course,
            (ProjectAction.MANAGE, Role.TEACHER): _teaches_project_course,
            (ProjectAction.VIEW, Role.STUDENT): _student_sees_project,
        },
        student_course=Project.course_id,
    )
)


class TeamAction(StrEnum):
    VIEW = "view"  # read the team, its members and its history
    MANAGE = "manage"  # change its members, lock it, remove it


def _teaches_team_course(principal: Principal) -> ColumnElement[bool]:
    # Correlated through the team's project: a team has no course of its own.
    return exists().where(
        Project.id == ProjectTeam.project_id, teaches(principal, Project.course_id)
    )


PROJECT_TEAM = register(
    ResourceKind(
        name="project_team",
        noun="Project team",
        model=ProjectTeam,
        rules={
            (TeamAction.VIEW, Role.ADMIN): anything,
            (TeamAction.MANAGE, Role.ADMIN): anything,
            (TeamAction.VIEW, Role.TEACHER): _teaches_team_course,
            (TeamAction.MANAGE, Role.TEACHER): _teaches_team_course,
        },
    )
)
