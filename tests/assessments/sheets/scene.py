"""An assessment being scored, built straight through the ORM on the roster tests' world.

North's ``north_team`` (team 1 of ``north_project``) gets ``other_student`` beside ``student``,
and ``north_assessment`` (a draft against ``north_rubric``: criteria weighted 1 and 2 on 1..5)
is put in the status a test needs, its team locked as opening it would. The writes under test
(sheets, self-assessments) go through the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from teameval.auth.tokens import TokenClaims, issue_token
from teameval.models import (
    AuditLog,
    ProjectAssessment,
    ProjectAssessmentScore,
    ProjectAssessmentTeam,
    ProjectTeam,
    ProjectTeamMember,
    RubricCriterion,
    SelfAssessment,
    User,
)
from teameval.models.base import utcnow
from tests.factories import enroll
from tests.roster.conftest import API, SECRET, RosterWorld

Factory = sessionmaker[Session]


@dataclass(frozen=True)
class Scene:
    assessment_id: int
    team_id: int
    criteria: list[int]  # north_rubric's criteria in order (weights 1 and 2)
    student_id: int
    other_student_id: int

    @property
    def sheet(self) -> str:
        return f"{API}/assessments/{self.assessment_id}/teams/{self.team_id}/scores"

    @property
    def mine(self) -> str:
        return f"{API}/me/assessments/{self.assessment_id}/self"


def set_status(factory: Factory, assessment_id: int, status: str) -> None:
    with factory.begin() as session:
        session.execute(
            update(ProjectAssessment)
            .where(ProjectAssessment.id == assessment_id)
            .values(status=status)
        )


def build_scene(factory: Factory, worlds: RosterWorld, status: str = "open") -> Scene:
    north = worlds.north
    with factory.begin() as session:
        enroll(session, north.course, north.other_student)
        team = session.get(ProjectTeam, worlds.north_team.id)
        assert team is not None
        session.add(
            ProjectTeamMember(
                school_id=team.school_id,
                project_team_id=team.id,
                project_id=team.project_id,
                is_current=True,
                user_id=north.other_student.id,
            )
        )
        if status != "draft":
            team.locked_at = utcnow()
            team.lock_reason = "assessment"
            team.lock_reference_id = worlds.north_assessment.id
        criteria = list(
            session.scalars(
                select(RubricCriterion.id)
                .where(RubricCriterion.rubric_id == worlds.north_rubric.id)
                .order_by(RubricCriterion.position)
            )
        )
    set_status(factory, worlds.north_assessment.id, status)
    return Scene(
        assessment_id=worlds.north_assessment.id,
        team_id=worlds.north_team.id,
        criteria=criteria,
        student_id=north.student.id,
        other_student_id=north.other_student.id,
    )


def score_rows(factory: Factory, assessment_id: int) -> list[tuple[Any, ...]]:
    """Every score row of the assessment, in full, by key."""
    with factory() as session:
        rows = session.execute(
            select(
                ProjectAssessmentScore.project_team_id,
                ProjectAssessmentScore.criterion_id,
                ProjectAssessmentScore.student_id,
                ProjectAssessmentScore.score,
                ProjectAssessmentScore.comment,
                ProjectAssessmentScore.reason,
                ProjectAssessmentScore.rubric_id,
                ProjectAssessmentScore.school_id,
            ).where(ProjectAssessmentScore.assessment_id == assessment_id)
        ).all()
    return sorted((tuple(row) for row in rows), key=repr)


def self_rows(factory: Factory, assessment_id: int) -> list[tuple[Any, ...]]:
    with factory() as session:
        rows = session.execute(
            select(
                SelfAssessment.student_id,
                SelfAssessment.project_team_id,
                SelfAssessment.criterion_id,
                SelfAssessment.score,
                SelfAssessment.comment,
            ).where(SelfAssessment.assessment_id == assessment_id)
        ).all()
    return sorted(tuple(row) for row in rows)


def link_row(factory: Factory, assessment_id: int, team_id: int) -> tuple[Any, ...]:
    with factory() as session:
        row = session.execute(
            select(
                ProjectAssessmentTeam.active,
                ProjectAssessmentTeam.comment,
                ProjectAssessmentTeam.sheet_version,
            ).where(
                ProjectAssessmentTeam.assessment_id == assessment_id,
                ProjectAssessmentTeam.project_team_id == team_id,
            )
        ).one()
    return tuple(row)


def last_audit_id(factory: Factory) -> int:
    with factory() as session:
        return int(session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) or 0)


def audit_since(factory: Factory, since: int) -> list[tuple[str, str, Any, dict[str, Any]]]:
    with factory() as session:
        rows = session.execute(
            select(AuditLog.action, AuditLog.entity_type, AuditLog.entity_id, AuditLog.changes)
            .where(AuditLog.id > since)
            .order_by(AuditLog.id)
        ).all()
    return [(action, kind, entity, changes) for action, kind, entity, changes in rows]


def bearer_of(user: User) -> dict[str, str]:
    """Headers for any user (the worlds' ``bearer`` knows only their named roles)."""
    claims = TokenClaims(user_id=user.id, school_id=user.school_id)
    return {"Authorization": f"Bearer {issue_token(claims, SECRET, timedelta(minutes=30))}"}
