"""Team and change bodies as the source routes answer them (the layout PUT's shape)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.models import ProjectTeam, ProjectTeamMember, User
from teameval.projects.teams.layout import TeamChange


class MemberOut(BaseModel):
    id: int
    name: str
    email: str
    student_number: str | None


class TeamOut(BaseModel):
    id: int
    team_number: int
    name: str
    version: int
    locked: bool
    members: list[MemberOut]


class TeamChangeOut(BaseModel):
    team_number: int
    action: str
    team_id: int | None
    new_team_id: int | None
    added: list[int]
    removed: list[int]


def change_bodies(changes: Sequence[TeamChange]) -> list[TeamChangeOut]:
    return [
        TeamChangeOut(
            team_number=change.team_number,
            action=change.action,
            team_id=change.team_id,
            new_team_id=change.new_team_id,
            added=list(change.added),
            removed=list(change.removed),
        )
        for change in changes
    ]


def team_bodies(session: Session, teams: Sequence[ProjectTeam]) -> list[TeamOut]:
    """The teams with their members (by name, then id), in one query whatever their number."""
    members: dict[int, list[MemberOut]] = defaultdict(list)
    if teams:
        rows = session.execute(
            select(
                ProjectTeamMember.project_team_id,
                User.id,
                User.name,
                User.email,
                User.student_number,
            )
            .join(User, User.id == ProjectTeamMember.user_id)
            .where(ProjectTeamMember.project_team_id.in_([team.id for team in teams]))
            .order_by(User.name, User.id)
        )
        for team_id, user_id, name, email, student_number in rows:
            members[team_id].append(
                MemberOut(id=user_id, name=name, email=email, student_number=student_number)
            )
    return [
        TeamOut(
            id=team.id,
            team_number=team.team_number,
            name=team.display_name_at_time,
            version=team.version,
            locked=team.locked,
            members=members.get(team.id, []),
        )
        for team in sorted(teams, key=lambda team: team.team_number)
    ]
