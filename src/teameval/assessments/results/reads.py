"""The results as the routes answer them: the stored rows of the latest publication while the
assessment is published, else a preview computed now (``compute``). Both in a constant number
of statements whatever the number of students."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.assessments.results.compute import compute, exact_text, four_places
from teameval.assessments.results.schemas import ResultRowOut, ResultsOut
from teameval.models import (
    AssessmentPublication,
    AssessmentResult,
    AssessmentStatus,
    ProjectAssessment,
    User,
)


def _grade_text(value: Decimal, decimals: int) -> str:
    """A stored grade (``NUMERIC(5, 2)``: ``7.50``) with the policy's decimals (``7.5``)."""
    return str(value.quantize(Decimal(1).scaleb(-decimals)))


def results_of(session: Session, assessment: ProjectAssessment) -> ResultsOut:
    if assessment.status == AssessmentStatus.PUBLISHED.value:
        return stored_results(session, assessment)
    return preview_results(session, assessment)


def preview_results(session: Session, assessment: ProjectAssessment) -> ResultsOut:
    computation = compute(session, assessment)
    items = [
        ResultRowOut(
            student_id=student.student_id,
            name=student.name,
            student_number=student.student_number,
            project_team_id=student.project_team_id,
            team_number=student.team_number,
            team_version=student.team_version,
            weighted_score=None
            if student.weighted_score is None
            else str(four_places(student.weighted_score)),
            weighted_score_exact=None
            if student.weighted_score is None
            else exact_text(student.weighted_score),
            grade=None if student.grade is None else str(student.grade),
            complete=student.complete,
            missing=student.missing,
        )
        for student in computation.students
    ]
    return ResultsOut(
        assessment_id=assessment.id,
        status=assessment.status,
        source="preview",
        revision=None,
        published_at=None,
        policy=computation.policy_snapshot(),
        items=items,
    )


def stored_results(session: Session, assessment: ProjectAssessment) -> ResultsOut:
    """The latest publication's rows, exactly as written when it was published."""
    publication = session.execute(
        select(AssessmentPublication).where(
            AssessmentPublication.assessment_id == assessment.id,
            AssessmentPublication.revision == assessment.revision,
        )
    ).scalar_one()
    decimals = int(publication.policy["decimals"])
    rows = session.execute(
        select(AssessmentResult, User.name, User.student_number)
        .join(User, User.id == AssessmentResult.student_id)
        .where(AssessmentResult.publication_id == publication.id)
    ).all()
    # By team, then name in Python: the same order on both engines, whatever the collation.
    rows = sorted(rows, key=lambda row: (row[0].team_number, row[1], row[0].student_id))
    items = [
        ResultRowOut(
            student_id=row.student_id,
            name=name,
            student_number=number,
            project_team_id=row.project_team_id,
            team_number=row.team_number,
            team_version=row.team_version,
            weighted_score=str(row.weighted_score_decimal.quantize(Decimal("0.0001"))),
            weighted_score_exact=row.weighted_score,
            grade=_grade_text(row.grade, decimals),
            complete=True,
            missing=[],
        )
        for row, name, number in rows
    ]
    return ResultsOut(
        assessment_id=assessment.id,
        status=assessment.status,
        source="publication",
        revision=publication.revision,
        published_at=publication.published_at,
        policy=publication.policy,
        items=items,
    )
