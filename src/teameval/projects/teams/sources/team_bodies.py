"""Team and change bodies as the source routes answer them: the layout PUT's own shape
(``teams.schemas``), built by the core's reads."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from teameval.models import ProjectTeam
from teameval.projects.teams import reads
from teameval.projects.teams.layout import TeamChange
from teameval.projects.teams.schemas import LayoutOut, MemberOut, TeamChangeOut, TeamOut

__all__ = ["LayoutOut", "MemberOut", "TeamChangeOut", "TeamOut", "change_bodies", "team_bodies"]


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
    return reads.teams_out(session, teams)
