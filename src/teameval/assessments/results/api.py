"""An assessment's results over HTTP, for admins and the teachers of the project's course."""

from __future__ import annotations

from fastapi import APIRouter, Response

from teameval.access.dependencies import AssessmentToView
from teameval.assessments.results.grades_csv import grades_csv
from teameval.assessments.results.reads import results_of
from teameval.assessments.results.schemas import ResultsOut
from teameval.deps import SessionDep

router = APIRouter(tags=["assessments"])


@router.get(
    "/assessments/{assessment_id}/results",
    operation_id="getAssessmentResults",
    summary="Read an assessment's results: the published rows, or a live preview.",
    response_model=ResultsOut,
)
def get_assessment_results(assessment: AssessmentToView, session: SessionDep) -> ResultsOut:
    """While published: the latest publication's stored rows (``source`` "publication", with its
    revision), never recomputed. Otherwise a preview from the sheets as they are now, where an
    incomplete student has no grade and lists the criteria missing."""
    return results_of(session, assessment)


@router.get(
    "/assessments/{assessment_id}/grades.csv",
    operation_id="exportAssessmentGrades",
    summary="Export an assessment's grades as CSV.",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "UTF-8 CSV with BOM: student_number, name, team, grade.",
        }
    },
)
def export_assessment_grades(assessment: AssessmentToView, session: SessionDep) -> Response:
    """The results as ``GET .../results`` answers them, one student a row, safe to open in a
    spreadsheet (formula-looking cells are neutralised)."""
    export = grades_csv(session, assessment)
    return Response(
        content=export.content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )
