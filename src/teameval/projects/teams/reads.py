"""Reading teams for the API: the current layout, one team, every version. A constant number of
statements each (the page's count, the team versions, then all their members), whatever the
number of teams."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.kit.pagination import Page, PageRequest, fetch_page
from teameval.models import ProjectTeam, ProjectTeamMember, User
from teameval.projects.teams.layout import current_teams
from teameval.projects.teams.schemas import MemberOut, TeamHistoryOut, TeamOut, TeamVersionOut


def members_by_team(session: Session, team_ids: Sequence[int]) -> dict[int, list[MemberOut]]:
    """Each team version's members, ordered by name (then id)."""
    found: dict[int, list[MemberOut]] = {team_id: [] for team_id in team_ids}
    if not team_ids:
        return found
    rows = session.execute(
        select(
            ProjectTeamMember.project_team_id,
            User.id,
            User.name,
            User.email,
            User.student_number,
        )
        .join(User, User.id == ProjectTeamMember.user_id)
        .where(ProjectTeamMember.project_team_id.in_(sorted(set(team_ids))))
        .order_by(User.name, User.id)
    )
    for team_id, user_id, name, email, student_number in rows:
        found[team_id].append(
            MemberOut(id=user_id, name=name, email=email, student_number=student_number)
        )
    return found


def team_out(team: ProjectTeam, members: list[MemberOut]) -> TeamOut:
    return TeamOut(
        id=team.id,
        project_id=team.project_id,
        team_number=team.team_number,
        name=team.display_name_at_time,
        version=team.version,
        locked=team.locked,
        locked_at=team.locked_at,
        lock_reason=team.lock_reason,
        backfill_source=team.backfill_source,
        members=members,
    )


def teams_out(session: Session, teams: Sequence[ProjectTeam]) -> list[TeamOut]:
    members = members_by_team(session, [team.id for team in teams])
    return [team_out(team, members[team.id]) for team in teams]


def current_layout(session: Session, project_id: int) -> list[TeamOut]:
    """The project's current teams by number, each with its members by name."""
    return teams_out(session, current_teams(session, project_id))


def current_page(session: Session, project_id: int, page: PageRequest) -> Page[TeamOut]:
    """A page of the project's current teams by number (a page holds up to 500: a whole
    layout at most)."""
    query = (
        select(ProjectTeam)
        .where(ProjectTeam.project_id == project_id, ProjectTeam.is_current)
        .order_by(ProjectTeam.team_number)
    )
    teams, total = fetch_page(session, query, page)
    return Page[TeamOut](
        items=teams_out(session, teams), total=total, page=page.page, page_size=page.page_size
    )


def history_page(session: Session, project_id: int, page: PageRequest) -> Page[TeamHistoryOut]:
    """A page of the project's team numbers, each with every version."""
    numbers_query = (
        select(ProjectTeam.team_number)
        .where(ProjectTeam.project_id == project_id)
        .distinct()
        .order_by(ProjectTeam.team_number)
    )
    numbers, total = fetch_page(session, numbers_query, page)
    return Page[TeamHistoryOut](
        items=history(session, project_id, numbers) if numbers else [],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


def one_team(session: Session, team: ProjectTeam) -> TeamOut:
    return teams_out(session, [team])[0]


def history(session: Session, project_id: int, team_numbers: Sequence[int]) -> list[TeamHistoryOut]:
    """Every version of these team numbers of the project, oldest first."""
    versions = list(
        session.execute(
            select(ProjectTeam)
            .where(
                ProjectTeam.project_id == project_id,
                ProjectTeam.team_number.in_(sorted(set(team_numbers))),
            )
            .order_by(ProjectTeam.team_number, ProjectTeam.id)
            .execution_options(populate_existing=True)
        ).scalars()
    )
    members = members_by_team(session, [team.id for team in versions])
    by_number: dict[int, list[TeamVersionOut]] = {}
    for team in versions:
        by_number.setdefault(team.team_number, []).append(
            TeamVersionOut(
                id=team.id,
                version=team.version,
                name=team.display_name_at_time,
                members=members[team.id],
                current_from=team.created_at,
                current_until=team.superseded_at or team.archived_at,
                is_current=team.is_current,
                locked_at=team.locked_at,
                lock_reason=team.lock_reason,
                lock_reference_id=team.lock_reference_id,
                locked_by_id=team.locked_by_id,
                archived=team.archived_at is not None,
            )
        )
    return [
        TeamHistoryOut(team_number=number, versions=found) for number, found in by_number.items()
    ]
