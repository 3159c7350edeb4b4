"""The assessments a student may self-assess now: open, with an active link to a team version
they are a member of (the same reach as ``service.my_team``), in one statement."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from teameval.access import Principal
from teameval.models import (
    AssessmentStatus,
    Course,
    Project,
    ProjectAssessment,
    ProjectAssessmentTeam,
    ProjectTeam,
    ProjectTeamMember,
    SelfAssessment,
)

MAX_LISTED = 200


@dataclass(frozen=True)
class OpenSelfAssessment:
    assessment_id: int
    title: str
    project_title: str
    course_code: str
    team_number: int
    answered: int  # criteria the student has scored so far


def my_open_self_assessments(session: Session, principal: Principal) -> list[OpenSelfAssessment]:
    """Open assessments of the caller's linked team versions, newest first, each with how many
    criteria they have answered; nothing of a draft, closed or published one."""
    answered = (
        select(func.count())
        .where(
            SelfAssessment.assessment_id == ProjectAssessment.id,
            SelfAssessment.project_team_id == ProjectTeam.id,
            SelfAssessment.student_id == principal.user_id,
        )
        .correlate(ProjectAssessment, ProjectTeam)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            ProjectAssessment.id,
            ProjectAssessment.title,
            Project.title,
            Course.code,
            ProjectTeam.team_number,
            answered,
        )
        .join(ProjectAssessmentTeam, ProjectAssessmentTeam.assessment_id == ProjectAssessment.id)
        .join(ProjectTeam, ProjectTeam.id == ProjectAssessmentTeam.project_team_id)
        .join(ProjectTeamMember, ProjectTeamMember.project_team_id == ProjectTeam.id)
        .join(Project, Project.id == ProjectAssessment.project_id)
        .join(Course, Course.id == Project.course_id)
        .where(
            ProjectAssessment.school_id == principal.school_id,
            ProjectAssessment.status == AssessmentStatus.OPEN.value,
            ProjectAssessmentTeam.active.is_(True),
            ProjectTeamMember.user_id == principal.user_id,
        )
        .order_by(ProjectAssessment.id.desc(), ProjectAssessmentTeam.id.desc())
        .limit(MAX_LISTED)
    ).all()
    found: dict[int, OpenSelfAssessment] = {}
    for assessment_id, title, project_title, code, number, count in rows:
        # The newest link first, as ``my_team`` picks it.
        found.setdefault(
            assessment_id,
            OpenSelfAssessment(assessment_id, title, project_title, code, number, int(count or 0)),
        )
    return list(found.values())
