"""What the projects pages show, read in a constant number of statements whatever the number
of projects, teams or students: the list, one project's summary, the team builder."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session

from teameval.access import COURSE, PROJECT, CourseAction, Principal, ProjectAction, visible
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
from teameval.projects.teams import reads
from teameval.projects.teams.layout import current_teams
from teameval.projects.teams.schemas import MemberOut

PAGE_SIZE = 50


@dataclass
class ProjectRow:
    project: Project
    course_code: str
    course_name: str


def project_rows_query(
    principal: Principal, course_id: int | None, status: ProjectStatus | None
) -> Select[Project, str, str]:
    """The projects the caller may see (a teacher: of their courses; an admin: the school's),
    by course code, then start date (undated last), then id."""
    # The same rule as ``visible(principal, PROJECT, VIEW)``, on a query that joins the course.
    query = (
        select(Project, Course.code, Course.name)
        .join(Course, Course.id == Project.course_id)
        .where(PROJECT.rule(principal, ProjectAction.VIEW))
    )
    if course_id is not None:
        query = query.where(Project.course_id == course_id)
    if status is not None:
        query = query.where(Project.status == status.value)
    return query.order_by(Course.code, Project.start_date.asc().nulls_last(), Project.id)


def project_rows(
    session: Session, query: Select[Project, str, str], page: int
) -> tuple[list[ProjectRow], int]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return [ProjectRow(project, code, name) for project, code, name in rows], int(total)


def courses_to_teach(principal: Principal, *, active_only: bool) -> Select[Course]:
    """Courses the caller may add projects to (admins: every course; teachers: theirs)."""
    query = visible(principal, COURSE, CourseAction.TEACH)
    if active_only:
        query = query.where(Course.is_active)
    return query.order_by(Course.code)


def course_to_teach(session: Session, principal: Principal, course_id: int) -> Course | None:
    """The course of a create form's select, if the caller may teach it (a list filter, so an
    id of another school is simply not found)."""
    return session.scalar(
        courses_to_teach(principal, active_only=False).where(Course.id == course_id)
    )


@dataclass
class TeamCard:
    team: ProjectTeam
    members: list[MemberOut]


@dataclass
class Builder:
    project: Project
    course: Course
    teams: list[TeamCard]
    unassigned: list[MemberOut]
    clone_sources: list[Project] = field(default_factory=list)

    @property
    def team_options(self) -> list[tuple[int, str]]:
        return [(card.team.team_number, card.team.display_name_at_time) for card in self.teams]

    @property
    def clone_options(self) -> list[tuple[int, str]]:
        return [(source.id, source.title) for source in self.clone_sources]

    @property
    def member_count(self) -> int:
        return sum(len(card.members) for card in self.teams)

    @property
    def locked_count(self) -> int:
        return sum(1 for card in self.teams if card.team.locked)


def _course(session: Session, project: Project) -> Course:
    course = session.get(Course, project.course_id)
    assert course is not None  # a project's course always exists (foreign key)
    return course


def unassigned_students(session: Session, project: Project) -> list[MemberOut]:
    """The course's actively enrolled, non-archived students in no current team of the project,
    by name."""
    in_a_team = exists().where(
        ProjectTeamMember.project_id == project.id,
        ProjectTeamMember.is_current.is_(True),
        ProjectTeamMember.user_id == User.id,
    )
    rows = session.execute(
        select(User.id, User.name, User.email, User.student_number)
        .join(
            CourseEnrollment,
            and_(
                CourseEnrollment.student_id == User.id,
                CourseEnrollment.course_id == project.course_id,
                CourseEnrollment.active.is_(True),
            ),
        )
        .where(User.role == Role.STUDENT.value, User.archived.is_(False), ~in_a_team)
        .order_by(User.name, User.id)
    )
    return [
        MemberOut(id=user_id, name=name, email=email, student_number=number)
        for user_id, name, email, number in rows
    ]


def clone_sources(session: Session, principal: Principal, project: Project) -> list[Project]:
    """The other projects of the course the caller may see: where teams can be cloned from."""
    query = visible(principal, PROJECT, ProjectAction.VIEW).where(
        Project.course_id == project.course_id, Project.id != project.id
    )
    return list(session.scalars(query.order_by(Project.start_date.asc().nulls_last(), Project.id)))


def builder(session: Session, principal: Principal, project: Project) -> Builder:
    teams = current_teams(session, project.id)
    members = reads.members_by_team(session, [team.id for team in teams])
    return Builder(
        project=project,
        course=_course(session, project),
        teams=[TeamCard(team, members[team.id]) for team in teams],
        unassigned=unassigned_students(session, project),
        clone_sources=clone_sources(session, principal, project),
    )


def current_layout(session: Session, project: Project) -> dict[int, list[int]]:
    """Team number → member ids of the project's current teams (two statements)."""
    teams = current_teams(session, project.id)
    members = reads.members_by_team(session, [team.id for team in teams])
    return {team.team_number: [member.id for member in members[team.id]] for team in teams}


@dataclass
class Summary:
    course: Course
    team_count: int
    member_count: int
    locked_count: int
    unassigned_count: int


def summary(session: Session, project: Project) -> Summary:
    """The project page's figures: its current teams, members, locks, students without a team."""
    team_count, locked_count = session.execute(
        select(func.count(), func.count(ProjectTeam.locked_at)).where(
            ProjectTeam.project_id == project.id, ProjectTeam.is_current
        )
    ).one()
    member_count = session.scalar(
        select(func.count()).where(
            ProjectTeamMember.project_id == project.id, ProjectTeamMember.is_current.is_(True)
        )
    )
    return Summary(
        course=_course(session, project),
        team_count=int(team_count),
        member_count=int(member_count or 0),
        locked_count=int(locked_count),
        unassigned_count=len(unassigned_students(session, project)),
    )


def student_names(session: Session, ids: Collection[int]) -> dict[int, str]:
    """Names of these users (for previews and outcomes), in one statement."""
    if not ids:
        return {}
    query = select(User.id, User.name).where(User.id.in_(sorted(set(ids))))
    # A list of rows: dict() of the result itself would take it for a mapping (it has keys()).
    return dict(session.execute(query).all())


def names_of(names: dict[int, str], ids: Sequence[int]) -> list[str]:
    return sorted((names.get(student, f"#{student}") for student in ids), key=str.lower)
