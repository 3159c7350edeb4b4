"""Who may be in a project's teams, and the project state a layout write starts from.

Every problem of a layout is collected before any is raised, so one answer names every bad row
(invariant 5). An id of another school answers exactly like an id that does not exist
(invariant 1).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from teameval.errors import Conflict, InvalidInput
from teameval.kit.inputs import id_in_range
from teameval.models import (
    Course,
    CourseEnrollment,
    Project,
    ProjectStatus,
    ProjectTeam,
    ProjectTeamMember,
    Role,
    User,
)
from teameval.roster.legacy.adapter.presence import team_links

WRITABLE_STATUSES = (ProjectStatus.DRAFT.value, ProjectStatus.ACTIVE.value)
NOT_A_STUDENT = "not a student of this school"


@dataclass
class ProjectState:
    """A project's current teams, read under its lock."""

    project_id: int
    school_id: int
    course_code: str
    status: str
    teams: dict[int, ProjectTeam]  # current versions by team number
    members: dict[int, dict[int, int]]  # team version id -> {student id: member row id}

    def team_of_student(self) -> dict[int, ProjectTeam]:
        by_id = {team.id: team for team in self.teams.values()}
        return {
            student: by_id[team_id]
            for team_id, rows in self.members.items()
            for student in rows
            if team_id in by_id
        }


def require_writable(status: str) -> None:
    """Team writes are for draft and active projects only."""
    if status == ProjectStatus.COMPLETED.value:
        raise Conflict("The project is completed: reopen the project to change its teams.")
    if status == ProjectStatus.ARCHIVED.value:
        raise Conflict("The project is archived: archived projects are read-only.")


def lock_project(session: Session, project_id: int) -> tuple[str, str]:
    """Take the project's row lock (PostgreSQL; SQLite has one writer anyway), so team writes of
    one project run one after another. Answers its status, read under the lock, and its course
    code."""
    row = session.execute(
        select(Project.status, Course.code)
        .join(Course, Course.id == Project.course_id)
        .where(Project.id == project_id)
        .with_for_update(of=Project)
    ).one()
    return str(row.status), str(row.code)


def lock_members(session: Session, project_id: int, student_ids: Collection[int]) -> None:
    """Hold the rows of ``student_ids`` and of every current member of the project, in id order
    (``FOR NO KEY UPDATE``, like ``enrollments.lock_students``): an unenrollment locks its
    students first and then takes them out of teams, so a layout waits for it and then reads
    what it left, and the two never wait on each other in opposite orders."""
    if session.get_bind().dialect.name != "postgresql":
        return
    current = select(ProjectTeamMember.user_id).where(
        ProjectTeamMember.project_id == project_id, ProjectTeamMember.is_current
    )
    wanted = sorted({i for i in student_ids if id_in_range(i)})
    session.execute(
        select(User.id)
        .where(User.id.in_(wanted) | User.id.in_(current))
        .order_by(User.id)
        .with_for_update(key_share=True)
    )


def read_state(session: Session, project: Project, student_ids: Collection[int]) -> ProjectState:
    """Lock the project and the students, then read its current teams and their members."""
    status, course_code = lock_project(session, project.id)
    lock_members(session, project.id, student_ids)
    teams = (
        session.execute(
            select(ProjectTeam)
            .where(ProjectTeam.project_id == project.id, ProjectTeam.is_current)
            .options(*team_links(session))  # the legacy link, while phase 6 has not retired it
            .execution_options(populate_existing=True)
        )
        .scalars()
        .all()
    )
    members: dict[int, dict[int, int]] = {team.id: {} for team in teams}
    rows = session.execute(
        select(
            ProjectTeamMember.id, ProjectTeamMember.project_team_id, ProjectTeamMember.user_id
        ).where(ProjectTeamMember.project_id == project.id, ProjectTeamMember.is_current)
    )
    for row_id, team_id, student_id in rows:
        members.setdefault(team_id, {})[student_id] = row_id
    return ProjectState(
        project_id=project.id,
        school_id=project.school_id,
        course_code=course_code,
        status=status,
        teams={team.team_number: team for team in teams},
        members=members,
    )


def member_field(index: int, single: bool) -> str:
    return "member_ids" if single else f"teams[{index}].member_ids"


def check_members(
    session: Session,
    state: ProjectState,
    member_lists: Sequence[Sequence[int]],
    course_id: int,
    *,
    single: bool,
    errors: list[dict[str, Any]],
) -> None:
    """422 naming each member who is unknown, another school's, not a student, not actively
    enrolled in the course, or listed twice (added to ``errors``, the layout's other problems);
    then 409 naming each archived student."""
    every_id = {i for members in member_lists for i in members if id_in_range(i)}
    rows = session.execute(
        select(User.id, User.role, User.archived, CourseEnrollment.active)
        .outerjoin(
            CourseEnrollment,
            and_(CourseEnrollment.student_id == User.id, CourseEnrollment.course_id == course_id),
        )
        .where(User.school_id == state.school_id, User.id.in_(sorted(every_id)))
    ).all()
    known = {row.id: row for row in rows if row.role == Role.STUDENT.value}
    archived: list[int] = []
    seen: set[int] = set()
    for index, members in enumerate(member_lists):
        where = member_field(index, single)
        for student_id in members:
            row = known.get(student_id)
            if student_id in seen:
                message = "listed more than once in this layout"
            elif row is None:
                message = NOT_A_STUDENT
            elif row.archived:
                archived.append(student_id)
                message = ""
            elif not row.active:
                message = f"not actively enrolled in course {state.course_code}"
            else:
                message = ""
            seen.add(student_id)
            if message:
                errors.append({"field": where, "student_id": student_id, "message": message})
    if errors:
        raise InvalidInput(
            f"{len(errors)} problem(s) in the teams sent; nothing saved.",
            errors=errors,
        )
    if archived:
        names = ", ".join(str(i) for i in sorted(set(archived)))
        raise Conflict(
            f"Archived students cannot join a team: {names}. Unarchive them first.",
            student_ids=sorted(set(archived)),
        )


def number_errors(team_numbers: Sequence[int]) -> list[dict[str, Any]]:
    """A problem for each team number listed twice in one layout."""
    seen: set[int] = set()
    errors: list[dict[str, Any]] = []
    for index, number in enumerate(team_numbers):
        if number in seen:
            errors.append(
                {
                    "field": f"teams[{index}].team_number",
                    "message": f"team number {number} is listed more than once",
                }
            )
        seen.add(number)
    return errors
