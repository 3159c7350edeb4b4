"""A layout cloned from another project of the same course: its current teams' numbers, names
and members (and the legacy group each came from), ``backfill_source = 'clone'``. Members who
may no longer be in a team of the course (unenrolled, archived) are skipped and reported."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.access.principal import Principal
from teameval.access.projects import PROJECT, ProjectAction
from teameval.access.rules import visible
from teameval.errors import InvalidInput, NotFound
from teameval.kit.inputs import known_id
from teameval.models import Project, ProjectTeam, ProjectTeamMember, TeamSource
from teameval.projects.teams.layout import TeamSpec
from teameval.projects.teams.sources.skipped import Skipped, SourcedLayout
from teameval.projects.teams.sources.students import skip_reasons
from teameval.roster.legacy.adapter.presence import group_link, team_links


def source_project(
    session: Session, principal: Principal, target: Project, source_id: int
) -> Project:
    """The project to clone from: one the caller may see (else 404, like another school's or a
    missing one) of the target's course (else 422). The target itself is allowed: a no-op."""
    missing = f"Project {source_id} does not exist."
    known_id(source_id, missing)
    found = session.scalar(
        visible(principal, PROJECT, ProjectAction.VIEW).where(Project.id == source_id)
    )
    if found is None:
        raise NotFound(missing)
    if found.course_id != target.course_id:
        message = (
            f"Project {source_id} belongs to another course; teams are cloned only from a "
            f"project of the same course (course {target.course_id})."
        )
        raise InvalidInput(message, errors=[{"field": "source_project_id", "message": message}])
    return found


def specs_from_project(session: Session, target: Project, source: Project) -> SourcedLayout:
    teams = list(
        session.scalars(
            select(ProjectTeam)
            .where(ProjectTeam.project_id == source.id, ProjectTeam.is_current.is_(True))
            .options(*team_links(session))
            .order_by(ProjectTeam.team_number)
        )
    )
    members: dict[int, list[int]] = defaultdict(list)
    for team_id, user_id in session.execute(
        select(ProjectTeamMember.project_team_id, ProjectTeamMember.user_id)
        .where(ProjectTeamMember.project_id == source.id, ProjectTeamMember.is_current.is_(True))
        .order_by(ProjectTeamMember.user_id)
    ):
        members[team_id].append(user_id)
    everyone = {user_id for ids in members.values() for user_id in ids}
    reasons = skip_reasons(session, target.course_id, everyone)
    layout = SourcedLayout()
    for team in teams:
        layout.skipped.extend(
            Skipped(student_id=user_id, reason=reasons[user_id], team_id=team.id)
            for user_id in members[team.id]
            if user_id in reasons
        )
        kept = tuple(user_id for user_id in members[team.id] if user_id not in reasons)
        if kept:
            layout.specs.append(
                TeamSpec(
                    team_number=team.team_number,
                    member_ids=kept,
                    name=team.display_name_at_time,
                    team_id=group_link(team),
                    backfill_source=TeamSource.CLONE,
                )
            )
    return layout
