"""A layout copied from the course's legacy groups (read through the legacy adapter only).

One team per group that has at least one active member who may be in a team (a student, not
archived, actively enrolled in the course): its team number and name, the group id kept as
``team_id`` (phase 2 maps legacy assessments through it), ``backfill_source = 'groups'``. The
other active members are skipped and reported with their group.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from teameval.models import Project, TeamSource
from teameval.projects.teams.layout import TeamSpec
from teameval.projects.teams.sources.skipped import Skipped, SourcedLayout
from teameval.projects.teams.sources.students import skip_reasons
from teameval.roster.legacy import adapter as legacy


def specs_from_groups(session: Session, project: Project) -> SourcedLayout:
    groups = legacy.groups_with_members(session, course_id=project.course_id)
    member_ids = {member.id for _, members in groups for member in members}
    reasons = skip_reasons(session, project.course_id, member_ids)
    layout = SourcedLayout()
    for group, members in groups:
        kept = sorted(member.id for member in members if member.id not in reasons)
        layout.skipped.extend(
            Skipped(student_id=member.id, reason=reasons[member.id], group_id=group.id)
            for member in sorted(members, key=lambda member: member.id)
            if member.id in reasons
        )
        if kept:
            layout.specs.append(
                TeamSpec(
                    team_number=group.team_number,
                    member_ids=tuple(kept),
                    name=group.name,
                    team_id=group.id,
                    backfill_source=TeamSource.GROUPS,
                )
            )
    return layout
