"""The grades file for the school's grade administration: one row per student, Excel-safe like
the roster export (UTF-8 with BOM, CRLF, formula-looking cells neutralised by ``write_csv``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from teameval.assessments.results.reads import results_of
from teameval.kit.csv_files import write_csv
from teameval.models import ProjectAssessment

COLUMNS = ["student_number", "name", "team", "grade"]


@dataclass(frozen=True)
class GradesFile:
    filename: str
    content: bytes
    rows: int


def grades_csv(session: Session, assessment: ProjectAssessment) -> GradesFile:
    """The results as ``GET /assessments/{id}/results`` answers them (the latest publication's
    while published, else the preview, where an incomplete student's grade is empty)."""
    results = results_of(session, assessment)
    rows = [
        [item.student_number or "", item.name, str(item.team_number), item.grade or ""]
        for item in results.items
    ]
    suffix = f"revision-{results.revision}" if results.revision is not None else "preview"
    return GradesFile(
        filename=f"grades-assessment-{assessment.id}-{suffix}.csv",
        content=write_csv(COLUMNS, rows),
        rows=len(rows),
    )
