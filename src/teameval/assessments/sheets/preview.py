"""What each member of a sheet would get if the assessment were published now.

Through ``results.compute`` for this one team (the one computation of results: a member's
override where they have one, else the team score, graded by ``assessments.grading`` with the
effective policy), so the sheet's preview is exactly what the results preview and publishing
give. A replaced team version (inactive link) is left out of results, so it has no preview.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from teameval.assessments.results.compute import compute, exact_text, four_places
from teameval.assessments.sheets.schemas import PreviewOut
from teameval.models import ProjectAssessment


def preview(
    session: Session, assessment: ProjectAssessment, team_id: int
) -> tuple[bool, list[PreviewOut]]:
    """(complete, each member's weighted score and grade, by name)."""
    computation = compute(session, assessment, team_ids=[team_id])
    team = next((team for team in computation.teams if team.project_team_id == team_id), None)
    if team is None:
        return False, []
    return computation.team_complete(team), [
        PreviewOut(
            student_id=member.student_id,
            weighted_score=None
            if member.weighted_score is None
            else str(four_places(member.weighted_score)),
            weighted_score_exact=None
            if member.weighted_score is None
            else exact_text(member.weighted_score),
            grade=None if member.grade is None else str(member.grade),
        )
        for member in team.members
    ]
