"""Who may do what on an assessment (see ``access.rules`` for how it is used).

An assessment follows its project's course: admins of the school and the course's active
teachers view and manage it. Students have no rule, so every assessment route answers them 403:
they see only their own published result, through ``/me/assessments`` (invariant 9).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, exists

from teameval.access.courses import teaches
from teameval.access.principal import Principal
from teameval.access.rules import ResourceKind, anything, register
from teameval.models import Project, ProjectAssessment, Role


class AssessmentAction(StrEnum):
    VIEW = "view"  # read it, its teams, sheets, results and publications
    MANAGE = "manage"  # change it, its status and its scores; publish and withdraw


def _teaches_assessment_course(principal: Principal) -> ColumnElement[bool]:
    # Correlated through the assessment's project: an assessment has no course of its own.
    return exists().where(
        Project.id == ProjectAssessment.project_id, teaches(principal, Project.course_id)
    )


ASSESSMENT = register(
    ResourceKind(
        name="assessment",
        noun="Assessment",
        model=ProjectAssessment,
        rules={
            (AssessmentAction.VIEW, Role.ADMIN): anything,
            (AssessmentAction.MANAGE, Role.ADMIN): anything,
            (AssessmentAction.VIEW, Role.TEACHER): _teaches_assessment_course,
            (AssessmentAction.MANAGE, Role.TEACHER): _teaches_assessment_course,
        },
    )
)
