"""Which team versions an assessment assesses (``project_assessment_teams``), and their locks.

- Creating an assessment links the project's current teams (unlocked: a draft changes nothing).
- Opening it links any current team not linked yet and locks every active linked version
  (``LockReason.ASSESSMENT``, the assessment's id as reference): from then on a roster change
  makes a new team version instead of rewriting the assessed one.
- A team write that retires versions or makes new ones while an assessment of that project is
  draft or open calls ``follow_new_versions`` (from ``projects.teams.layout``): new versions are
  linked (and locked when the assessment is open), links of retired versions become inactive,
  kept with their scores but left out of sheets, results and publish.

Every function runs a constant number of statements whatever the number of teams.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from teameval.audit_trail import Actor, AuditEntry, record_many
from teameval.models import (
    AssessmentStatus,
    LockReason,
    ProjectAssessment,
    ProjectAssessmentTeam,
    ProjectTeam,
)
from teameval.models.base import utcnow
from teameval.projects.teams.layout import lock_teams

LINKS = cast(Table, ProjectAssessmentTeam.__table__)
# The statuses in which an assessment follows its project's team layout.
FOLLOWING = (AssessmentStatus.DRAFT.value, AssessmentStatus.OPEN.value)


def link_current_teams(session: Session, assessment: ProjectAssessment) -> list[int]:
    """Link every current team version of the project not linked yet; the new links' team ids."""
    linked = select(ProjectAssessmentTeam.project_team_id).where(
        ProjectAssessmentTeam.assessment_id == assessment.id
    )
    team_ids = list(
        session.scalars(
            select(ProjectTeam.id)
            .where(
                ProjectTeam.project_id == assessment.project_id,
                ProjectTeam.is_current,
                ProjectTeam.id.not_in(linked),
            )
            .order_by(ProjectTeam.id)
        )
    )
    _insert_links(session, assessment.school_id, [(assessment.id, team_id) for team_id in team_ids])
    return team_ids


def active_linked_teams(session: Session, assessment_id: int) -> list[ProjectTeam]:
    """The team versions the assessment assesses now, by team number."""
    return list(
        session.scalars(
            select(ProjectTeam)
            .join(ProjectAssessmentTeam, ProjectAssessmentTeam.project_team_id == ProjectTeam.id)
            .where(
                ProjectAssessmentTeam.assessment_id == assessment_id,
                ProjectAssessmentTeam.active,
            )
            .order_by(ProjectTeam.team_number, ProjectTeam.id)
        )
    )


def open_links(session: Session, actor: Actor, assessment: ProjectAssessment) -> list[int]:
    """On opening: link the current teams not linked yet and lock every active linked version.
    Answers the ids of the versions this call locked."""
    link_current_teams(session, assessment)
    teams = active_linked_teams(session, assessment.id)
    unlocked = [team for team in teams if not team.locked]
    locked = lock_teams(session, actor, unlocked, LockReason.ASSESSMENT, assessment.id)
    return [team.id for team in locked]


def follow_new_versions(
    session: Session,
    actor: Actor,
    retired_ids: Collection[int],
    new_ids: Collection[int],
) -> None:
    """Keep the draft and open assessments of the projects these team versions belong to in step
    with a team write: link ``new_ids`` (locking them for open assessments) and deactivate the
    links of ``retired_ids`` (superseded or archived versions).

    Takes no project id: one write (a student leaving a course) may touch several projects, so
    the projects are read from the versions themselves. One statement when no assessment follows
    them, which is the common case."""
    ids = sorted(set(retired_ids) | set(new_ids))
    if not ids:
        return
    projects_of_teams = select(ProjectTeam.project_id).where(ProjectTeam.id.in_(ids))
    assessments = list(
        session.scalars(
            select(ProjectAssessment)
            .where(
                ProjectAssessment.project_id.in_(projects_of_teams),
                ProjectAssessment.status.in_(FOLLOWING),
            )
            .order_by(ProjectAssessment.id)
        )
    )
    if not assessments:
        return
    entries: list[AuditEntry] = []
    if retired_ids:
        deactivated = session.execute(
            update(LINKS)
            .where(
                LINKS.c.assessment_id.in_([a.id for a in assessments]),
                LINKS.c.project_team_id.in_(sorted(set(retired_ids))),
                LINKS.c.active,
            )
            .values(active=False, updated_at=utcnow())
            .returning(LINKS.c.assessment_id, LINKS.c.project_team_id)
        ).all()
        entries += [
            AuditEntry(
                "assessment.team_unlinked",
                "assessment",
                assessment_id,
                {"project_team_id": team_id, "reason": "team version retired"},
            )
            for assessment_id, team_id in sorted(deactivated)
        ]
    new_teams = (
        list(
            session.scalars(
                select(ProjectTeam)
                .where(ProjectTeam.id.in_(sorted(set(new_ids))), ProjectTeam.is_current)
                .order_by(ProjectTeam.id)
            )
        )
        if new_ids
        else []
    )
    pairs = [
        (assessment.id, team.id)
        for assessment in assessments
        for team in new_teams
        if team.project_id == assessment.project_id
    ]
    _insert_links(session, assessments[0].school_id, pairs)
    entries += [
        AuditEntry(
            "assessment.team_linked", "assessment", assessment_id, {"project_team_id": team_id}
        )
        for assessment_id, team_id in pairs
    ]
    record_many(session, actor, entries)
    for assessment in assessments:
        if assessment.status != AssessmentStatus.OPEN.value:
            continue
        teams = [team for team in new_teams if team.project_id == assessment.project_id]
        lock_teams(session, actor, teams, LockReason.ASSESSMENT, assessment.id)


def _insert_links(session: Session, school_id: int, pairs: Sequence[tuple[int, int]]) -> None:
    if not pairs:
        return
    session.execute(
        insert(LINKS),
        [
            {"school_id": school_id, "assessment_id": assessment_id, "project_team_id": team_id}
            for assessment_id, team_id in pairs
        ],
    )
