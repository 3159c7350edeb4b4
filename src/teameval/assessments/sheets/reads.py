"""Reading one score sheet: the linked team version, its members, the rubric and the rows.

Every read is one statement whatever the size of the team or rubric, so a GET and a save cost
a constant number of statements. ``sheet_etag`` is the sheet's validator: the link row's
``sheet_version``, bumped by every save that changes something.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.errors import Conflict, NotFound
from teameval.kit.inputs import known_id
from teameval.models import (
    Project,
    ProjectAssessment,
    ProjectAssessmentScore,
    ProjectAssessmentTeam,
    ProjectTeam,
    ProjectTeamMember,
    Rubric,
    RubricCriterion,
    User,
)


@dataclass(frozen=True)
class SheetTeam:
    """A team version linked to the assessment, with what its sheet needs."""

    link: ProjectAssessmentTeam
    team: ProjectTeam
    course_id: int


@dataclass(frozen=True)
class RubricView:
    rubric: Rubric
    criteria: list[RubricCriterion]


def sheet_etag(assessment_id: int, team_id: int, sheet_version: int) -> str:
    """A strong ETag naming the sheet and its version (what ``If-Match`` is compared with)."""
    return f'"sheet-{assessment_id}-{team_id}-{sheet_version}"'


def not_linked(assessment_id: int, team_id: int) -> NotFound:
    return NotFound(f"Team version {team_id} is not linked to assessment {assessment_id}.")


def linked_team(
    session: Session, assessment: ProjectAssessment, team_id: int, *, lock: bool = False
) -> SheetTeam:
    """The link of ``team_id`` to the assessment with its team version and the project's course,
    in one statement; 404 when that team version is not linked (another project's team, an id
    of another school). ``lock``: the link row is locked (PostgreSQL ``FOR UPDATE``) so saves of
    one sheet run one after another and the ETag compared is the one written over."""
    known_id(team_id, str(not_linked(assessment.id, team_id)))
    query = (
        select(ProjectAssessmentTeam, ProjectTeam, Project.course_id)
        .join(ProjectTeam, ProjectTeam.id == ProjectAssessmentTeam.project_team_id)
        .join(Project, Project.id == ProjectTeam.project_id)
        .where(
            ProjectAssessmentTeam.assessment_id == assessment.id,
            ProjectAssessmentTeam.project_team_id == team_id,
            ProjectAssessmentTeam.school_id == assessment.school_id,
        )
    )
    if lock:
        query = query.with_for_update(of=ProjectAssessmentTeam).execution_options(
            populate_existing=True
        )
    row = session.execute(query).first()
    if row is None:
        raise not_linked(assessment.id, team_id)
    link, team, course_id = row
    return SheetTeam(link=link, team=team, course_id=course_id)


def rubric_view(session: Session, rubric_id: int) -> RubricView:
    """The rubric and its criteria in order, in one statement."""
    rows = session.execute(
        select(Rubric, RubricCriterion)
        .outerjoin(RubricCriterion, RubricCriterion.rubric_id == Rubric.id)
        .where(Rubric.id == rubric_id)
        .order_by(RubricCriterion.position, RubricCriterion.id)
    ).all()
    rubric = rows[0][0]
    return RubricView(rubric, [criterion for _, criterion in rows if criterion is not None])


def members_of(session: Session, team_id: int) -> list[User]:
    """The team version's members by name."""
    return list(
        session.scalars(
            select(User)
            .join(ProjectTeamMember, ProjectTeamMember.user_id == User.id)
            .where(ProjectTeamMember.project_team_id == team_id)
            .order_by(User.name, User.id)
        )
    )


def sheet_rows(
    session: Session, assessment_id: int, team_id: int, *, fresh: bool = False
) -> Sequence[ProjectAssessmentScore]:
    """The team scores and overrides of one sheet (``fresh``: as stored now, after bulk writes
    the session's objects do not know of)."""
    query = (
        select(ProjectAssessmentScore)
        .where(
            ProjectAssessmentScore.assessment_id == assessment_id,
            ProjectAssessmentScore.project_team_id == team_id,
        )
        .order_by(ProjectAssessmentScore.id)
    )
    if fresh:
        query = query.execution_options(populate_existing=True)
    return session.scalars(query).all()


def current_version_id(session: Session, team: ProjectTeam) -> int | None:
    """The current version of the team number of ``team`` (None when the team was removed)."""
    return session.scalar(
        select(ProjectTeam.id).where(
            ProjectTeam.project_id == team.project_id,
            ProjectTeam.team_number == team.team_number,
            ProjectTeam.is_current.is_(True),
        )
    )


def inactive_conflict(session: Session, assessment_id: int, team: ProjectTeam) -> Conflict:
    """409 for a write to a superseded team version's sheet, naming the current version."""
    current = current_version_id(session, team)
    where = (
        f"team version {current} is the current one"
        if current is not None
        else "the team was removed"
    )
    return Conflict(
        f"Team version {team.id} (team {team.team_number}, version {team.version}) was replaced "
        f"while assessment {assessment_id} was being scored: {where}. Its sheet is kept as it "
        "was and is no longer written or published.",
        project_team_id=team.id,
        current_team_id=current,
    )
