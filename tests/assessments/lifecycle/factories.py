"""Assessments for tests, straight through the ORM (the write paths are tested through the API)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.models import (
    AssessmentStatus,
    Project,
    ProjectAssessment,
    ProjectAssessmentTeam,
    ProjectTeam,
    Rubric,
    User,
)


def make_assessment(
    session: Session,
    project: Project,
    rubric: Rubric,
    creator: User | None = None,
    title: str = "Eindbeoordeling",
) -> ProjectAssessment:
    """A draft assessment linking the project's current teams, as creating one does."""
    assessment = ProjectAssessment(
        school_id=project.school_id,
        project_id=project.id,
        rubric_id=rubric.id,
        created_by_id=creator.id if creator else None,
        title=title,
        kind="final",
        status=AssessmentStatus.DRAFT.value,
    )
    session.add(assessment)
    session.flush()
    team_ids = session.scalars(
        select(ProjectTeam.id).where(
            ProjectTeam.project_id == project.id, ProjectTeam.is_current.is_(True)
        )
    ).all()
    session.add_all(
        ProjectAssessmentTeam(
            school_id=project.school_id, assessment_id=assessment.id, project_team_id=team_id
        )
        for team_id in team_ids
    )
    session.flush()
    return assessment
