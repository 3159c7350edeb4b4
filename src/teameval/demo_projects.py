"""The demo school's projects and teams: one of each way of making teams, and a history.

Built through the same services as the API and the CLI (so the demo also shows the audit rows
they write), after ``demo.build_demo`` has made the courses, students and legacy groups:

- OO-4A "Duurzame schoolplein": active, teams copied from the legacy groups (the members the
  legacy data got wrong are skipped); team 1 is locked and then changed, so it has version 2;
- OO-4B "Escape room ontwerpen": completed, teams copied from the legacy groups;
- NLT-5 "Waterkwaliteit van de Dommel": active, random balanced teams of four (seeded);
- NLT-5 "Onderzoeksverslag": draft, its teams cloned from the project above;
- BSM-3 "Sportdag organiseren": draft, no teams yet (a teacher's next step).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.audit_trail import Actor
from teameval.config import get_settings
from teameval.models import Course, Project, ProjectStatus, ProjectTeam
from teameval.projects import service as projects
from teameval.projects.schemas import ProjectCreate, ProjectUpdate
from teameval.projects.teams import layout
from teameval.projects.teams import service as teams
from teameval.projects.teams.sources import service as sources
from teameval.projects.teams.sources.clone import specs_from_project
from teameval.roster.legacy.adapter import is_on
from teameval.roster.legacy.adapter.presence import tables_present

GENERATOR_SEED = 20261128


@dataclass(frozen=True)
class DemoProjects:
    projects: int
    teams: int  # current teams over all projects
    versions: int  # team versions kept, current or not


def _project(
    session: Session,
    actor: Actor,
    course: Course,
    title: str,
    description: str,
    period: tuple[date, date],
) -> Project:
    body = ProjectCreate(
        title=title, description=description, start_date=period[0], end_date=period[1]
    )
    return projects.create_project(session, actor, course, body)


def _set_status(session: Session, actor: Actor, project: Project, *path: ProjectStatus) -> None:
    for status in path:
        projects.update_project(session, actor, project, ProjectUpdate(status=status))


def _teams_from_groups(session: Session, actor: Actor, project: Project) -> None:
    if is_on(get_settings()) and tables_present(session):
        sources.teams_from_groups(session, actor, project)
    else:  # legacy teams switched off or retired: deal the course's students instead
        sources.generate_teams(session, actor, project, team_size=4, seed=GENERATOR_SEED)


def _change_a_locked_team(session: Session, actor: Actor, project: Project) -> None:
    """Lock team 1 (as an assessment would) and then move one of its members to team 2."""
    current = session.scalars(
        select(ProjectTeam)
        .where(ProjectTeam.project_id == project.id, ProjectTeam.is_current)
        .order_by(ProjectTeam.team_number)
        .limit(2)
    ).all()
    if len(current) < 2:
        return
    first, second = current
    teams.lock_team(session, actor, project, first)
    first_members = layout.current_member_ids(session, first.id)
    second_members = layout.current_member_ids(session, second.id)
    if len(first_members) < 2:
        return
    moved = first_members[-1]
    teams.set_members(session, actor, project, first, first_members[:-1])
    teams.set_members(session, actor, project, second, [*second_members, moved])


def _course_codes(session: Session, school_id: int) -> dict[str, Course]:
    return {
        course.code: course
        for course in session.scalars(select(Course).where(Course.school_id == school_id))
    }


def build_demo_projects(session: Session, actor: Actor) -> DemoProjects:
    courses = _course_codes(session, actor.school_id)
    autumn = (date(2026, 9, 7), date(2026, 11, 13))
    winter = (date(2026, 11, 16), date(2027, 1, 29))
    spring = (date(2027, 3, 1), date(2027, 4, 16))

    schoolyard = _project(
        session,
        actor,
        courses["OO-4A"],
        "Duurzaam schoolplein",
        "Ontwerp in teams een groener schoolplein en presenteer het aan de schoolleiding.",
        winter,
    )
    _set_status(session, actor, schoolyard, ProjectStatus.ACTIVE)
    _teams_from_groups(session, actor, schoolyard)
    _change_a_locked_team(session, actor, schoolyard)

    escape_room = _project(
        session,
        actor,
        courses["OO-4B"],
        "Escape room ontwerpen",
        "Bouw een escape room met puzzels over het periodiek systeem.",
        autumn,
    )
    _teams_from_groups(session, actor, escape_room)
    _set_status(session, actor, escape_room, ProjectStatus.ACTIVE, ProjectStatus.COMPLETED)

    river = _project(
        session,
        actor,
        courses["NLT-5"],
        "Waterkwaliteit van de Dommel",
        "Meet op drie plekken de waterkwaliteit en vergelijk de resultaten.",
        winter,
    )
    _set_status(session, actor, river, ProjectStatus.ACTIVE)
    sources.generate_teams(session, actor, river, team_size=4, seed=GENERATOR_SEED)

    report = _project(
        session,
        actor,
        courses["NLT-5"],
        "Onderzoeksverslag",
        "Schrijf met hetzelfde team het verslag van het Dommel-onderzoek.",
        spring,
    )
    layout.apply_layout(
        session, actor, report, specs_from_project(session, report, river).specs, replace_all=True
    )

    _project(
        session,
        actor,
        courses["BSM-3"],
        "Sportdag organiseren",
        "Organiseer in teams een onderdeel van de sportdag voor de brugklas.",
        spring,
    )

    project_ids = select(Project.id).where(Project.school_id == actor.school_id)
    rows = session.execute(
        select(ProjectTeam.is_current).where(ProjectTeam.project_id.in_(project_ids))
    ).all()
    return DemoProjects(
        projects=5, teams=sum(1 for (current,) in rows if current), versions=len(rows)
    )
