"""Which current project team each student of a course is in, per project: the course roster's
team columns. One statement for any number of students and projects."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.models import ProjectTeam, ProjectTeamMember


def current_teams_of_students(
    session: Session, project_ids: Collection[int], student_ids: Collection[int]
) -> dict[int, dict[int, ProjectTeam]]:
    """student id → project id → the current team version holding them (a student is in at
    most one current team per project: invariant 7). Students in no team are left out."""
    found: dict[int, dict[int, ProjectTeam]] = {}
    if not project_ids or not student_ids:
        return found
    rows = session.execute(
        select(ProjectTeamMember.user_id, ProjectTeam)
        .join(ProjectTeam, ProjectTeam.id == ProjectTeamMember.project_team_id)
        .where(
            ProjectTeamMember.project_id.in_(sorted(set(project_ids))),
            ProjectTeamMember.user_id.in_(sorted(set(student_ids))),
            ProjectTeamMember.is_current.is_(True),
        )
    )
    for student_id, team in rows:
        found.setdefault(student_id, {})[team.project_id] = team
    return found
