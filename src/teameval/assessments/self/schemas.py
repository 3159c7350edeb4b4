"""Bodies of the self-assessment routes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from teameval.assessments.rubrics.schemas import CriterionOut
from teameval.assessments.sheets.schemas import ScoreIn, ScoreOut
from teameval.kit.inputs import RequestBody
from teameval.models.rubric import MAX_CRITERIA


class SelfAssessmentIn(RequestBody):
    """Every criterion the student scores; a criterion left out is removed (PUT replaces)."""

    scores: list[ScoreIn] = Field(default_factory=list, max_length=MAX_CRITERIA)


class SelfAssessmentOut(BaseModel):
    """The caller's own self-assessment of their team in one assessment."""

    assessment_id: int
    title: str
    status: str
    # True while the assessment is open: then PUT changes it.
    editable: bool
    project_team_id: int
    team_number: int
    version: int
    scale_min: int
    scale_max: int
    criteria: list[CriterionOut]
    scores: list[ScoreOut]


class SideBySideScore(BaseModel):
    criterion_id: int
    self_score: int | None
    self_comment: str | None
    # What the sheet counts for this member: their override, else the team score.
    teacher_score: int | None
    teacher_source: str | None = Field(description="`team`, `override`, or null (not scored).")


class SideBySideMember(BaseModel):
    student_id: int
    name: str
    # Whether the member scored any criterion themselves.
    submitted: bool
    scores: list[SideBySideScore]


class SideBySideOut(BaseModel):
    """Each member's self-assessment beside the sheet's scores for them."""

    assessment_id: int
    project_team_id: int
    team_number: int
    version: int
    scale_min: int
    scale_max: int
    criteria: list[CriterionOut]
    members: list[SideBySideMember]
