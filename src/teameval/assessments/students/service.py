"""A student's own published results: ``GET /me/assessments`` and ``/me/assessments/{id}``.

Everything comes from the caller's own ``assessment_results`` row of the assessment's *current*
publication (status ``published``, that revision, not withdrawn), so a draft, an open or closed
assessment, a withdrawn revision and anyone else's result are simply not found (invariant 9).
The explanation is ``grading.explain`` over the result's frozen scores with the policy and
scale frozen in its publication: what was published, not what the rubric or policy say now.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from teameval.access import Principal
from teameval.assessments.grading import GradePolicy, explain
from teameval.assessments.students.schemas import (
    CriterionStepOut,
    ExplanationOut,
    MyAssessmentOut,
    MyResultOut,
    MyRubricRef,
    MyScoreOut,
    MyTeamRef,
    ProjectRef,
)
from teameval.errors import NotFound
from teameval.kit.inputs import known_id
from teameval.kit.pagination import Page, PageRequest
from teameval.models import (
    AssessmentPublication,
    AssessmentResult,
    AssessmentStatus,
    Course,
    Project,
    ProjectAssessment,
    ProjectAssessmentScore,
    ScoreSource,
)
from teameval.roster.courses.schemas import CourseRef

# A result row: the result, its publication and assessment, the project's title, the course.
ResultRows = Select[AssessmentResult, AssessmentPublication, ProjectAssessment, str, int, str, str]


def _my_results(principal: Principal) -> ResultRows:
    return (
        select(
            AssessmentResult,
            AssessmentPublication,
            ProjectAssessment,
            Project.title,
            Course.id,
            Course.code,
            Course.name,
        )
        .join(AssessmentPublication, AssessmentPublication.id == AssessmentResult.publication_id)
        .join(ProjectAssessment, ProjectAssessment.id == AssessmentResult.assessment_id)
        .join(Project, Project.id == ProjectAssessment.project_id)
        .join(Course, Course.id == Project.course_id)
        .where(
            AssessmentResult.student_id == principal.user_id,
            AssessmentResult.school_id == principal.school_id,
            ProjectAssessment.status == AssessmentStatus.PUBLISHED.value,
            AssessmentPublication.revision == ProjectAssessment.revision,
            AssessmentPublication.withdrawn_at.is_(None),
        )
    )


def _grade_text(grade: Decimal, policy: GradePolicy) -> str:
    """The stored grade with the policy's decimals (``Decimal('6.50')`` → ``"6.5"``)."""
    return str(grade.quantize(Decimal(1).scaleb(-policy.decimals)))


def _item(row: Any) -> MyAssessmentOut:
    result, publication, assessment, project_title, course_id, code, name = row
    policy = GradePolicy.from_dict(publication.policy)
    return MyAssessmentOut(
        id=assessment.id,
        title=assessment.title,
        kind=assessment.kind,
        project=ProjectRef(id=assessment.project_id, title=project_title),
        course=CourseRef(id=course_id, code=code, name=name),
        revision=publication.revision,
        published_at=publication.published_at,
        team_number=result.team_number,
        grade=_grade_text(result.grade, policy),
    )


def my_assessments(
    session: Session, principal: Principal, page: PageRequest
) -> Page[MyAssessmentOut]:
    """The caller's published results, newest first, in two statements."""
    query = _my_results(principal)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(AssessmentPublication.published_at.desc(), ProjectAssessment.id.desc())
        .limit(page.page_size)
        .offset(page.offset)
    ).all()
    return Page[MyAssessmentOut](
        items=[_item(row) for row in rows],
        total=int(total),
        page=page.page,
        page_size=page.page_size,
    )


def _team_comments(session: Session, result: AssessmentResult) -> dict[int, str | None]:
    """The teacher's comments on the team's scores (not on anyone's override)."""
    rows = session.execute(
        select(ProjectAssessmentScore.criterion_id, ProjectAssessmentScore.comment).where(
            ProjectAssessmentScore.assessment_id == result.assessment_id,
            ProjectAssessmentScore.project_team_id == result.project_team_id,
            ProjectAssessmentScore.student_id.is_(None),
        )
    ).all()
    return {int(criterion_id): comment for criterion_id, comment in rows}


def my_result(session: Session, principal: Principal, assessment_id: int) -> MyResultOut:
    """The caller's own result of a published assessment; 404 for anything else."""
    missing = NotFound(f"Assessment {assessment_id} does not exist.")
    known_id(assessment_id, str(missing))
    row = session.execute(
        _my_results(principal).where(ProjectAssessment.id == assessment_id)
    ).first()
    if row is None:
        raise missing
    result: AssessmentResult = row[0]
    publication: AssessmentPublication = row[1]
    policy = GradePolicy.from_dict(publication.policy)
    scale = (int(publication.rubric["scale_min"]), int(publication.rubric["scale_max"]))
    comments = _team_comments(session, result)
    scores = [
        MyScoreOut(
            criterion_id=int(step["criterion_id"]),
            name=str(step["name"]),
            weight=str(step["weight"]),
            score=int(step["score"]),
            source=str(step["source"]),
            reason=step.get("reason") if step["source"] == ScoreSource.OVERRIDE.value else None,
            comment=comments.get(int(step["criterion_id"])),
        )
        for step in result.scores
    ]
    explanation = explain(
        {score.criterion_id: score.score for score in scores},
        {score.criterion_id: Decimal(score.weight) for score in scores},
        policy,
        *scale,
        names={score.criterion_id: score.name for score in scores},
    ).to_dict()
    return MyResultOut(
        **_item(row).model_dump(),
        team=MyTeamRef(
            project_team_id=result.project_team_id,
            team_number=result.team_number,
            version=result.team_version,
        ),
        rubric=MyRubricRef(
            title=str(publication.rubric.get("title", "")), scale_min=scale[0], scale_max=scale[1]
        ),
        scores=scores,
        comment=result.comment,
        weighted_score=result.weighted_score,
        explanation=ExplanationOut(
            **{**explanation, "criteria": [CriterionStepOut(**c) for c in explanation["criteria"]]}
        ),
    )
