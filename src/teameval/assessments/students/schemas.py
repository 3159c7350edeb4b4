"""What a student is answered about their own assessments: nothing of anyone else's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from teameval.roster.courses.schemas import CourseRef


class ProjectRef(BaseModel):
    id: int
    title: str


class MyAssessmentOut(BaseModel):
    """One published assessment of a team version the caller was in, with their grade."""

    id: int
    title: str
    kind: str
    project: ProjectRef
    course: CourseRef
    revision: int
    published_at: datetime
    team_number: int
    grade: str


class MyScoreOut(BaseModel):
    """A criterion as it counted for the caller: the team's score, or their own override (then
    with its reason). ``comment`` is the teacher's comment on the team's score."""

    criterion_id: int
    name: str
    weight: str
    score: int
    source: str = Field(description="`team` or `override` (the caller's own).")
    reason: str | None
    comment: str | None


class MyTeamRef(BaseModel):
    project_team_id: int
    team_number: int
    version: int


class MyRubricRef(BaseModel):
    title: str
    scale_min: int
    scale_max: int


class CriterionStepOut(BaseModel):
    criterion: str
    weight: str
    score: int | None


class ExplanationOut(BaseModel):
    """How the grade follows from the scores and the grade policy, step by step (exact values
    as strings): the weighted score, the branch of the policy's line, the formula, the exact
    grade and the grade rounded half up."""

    complete: bool
    criteria: list[CriterionStepOut]
    missing: list[str]
    policy: dict[str, Any]
    scale_min: int
    scale_max: int
    pass_level: str
    weighted_score: str | None
    branch: str | None
    formula: str | None
    exact_grade: str | None
    grade: str | None


class MyResultOut(MyAssessmentOut):
    """The caller's own result of a published assessment, as it was published."""

    team: MyTeamRef
    rubric: MyRubricRef
    scores: list[MyScoreOut]
    comment: str | None
    weighted_score: str
    explanation: ExplanationOut
