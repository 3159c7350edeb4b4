"""Bodies of the score sheet routes. A sheet is saved whole: rows left out are removed."""

from __future__ import annotations

from pydantic import BaseModel, Field

from teameval.assessments.rubrics.schemas import CriterionOut
from teameval.kit.inputs import BodyId, MultiLine, RequestBody
from teameval.models.rubric import MAX_CRITERIA

# The largest scale a rubric may have (rubrics.schemas bounds scale_max); a score beyond it is
# a 422 from the field's type, one within it but outside the rubric's scale from the service.
MAX_SCORE = 1000
MAX_COMMENT_LENGTH = 10_000
MAX_REASON_LENGTH = 2_000
# Every student of a large team overriding every criterion of a long rubric.
MAX_OVERRIDES = 1_000

Score = int
ScoreValue = Field(ge=0, le=MAX_SCORE, description="An integer on the rubric's scale.")


class ScoreIn(RequestBody):
    criterion_id: BodyId
    score: Score = ScoreValue
    comment: MultiLine | None = Field(default=None, max_length=MAX_COMMENT_LENGTH)


class OverrideIn(RequestBody):
    """A student's own score for one criterion, replacing the team's; the reason is required."""

    student_id: BodyId
    criterion_id: BodyId
    score: Score = ScoreValue
    reason: MultiLine = Field(max_length=MAX_REASON_LENGTH, description="Why; required.")


class SheetIn(RequestBody):
    """The whole sheet: team scores, overrides and the general comment. A score or override left
    out is removed, and a missing ``comment`` removes the comment (PUT replaces the sheet)."""

    scores: list[ScoreIn] = Field(default_factory=list, max_length=MAX_CRITERIA)
    overrides: list[OverrideIn] = Field(default_factory=list, max_length=MAX_OVERRIDES)
    comment: MultiLine | None = Field(default=None, max_length=MAX_COMMENT_LENGTH)


class ScoreOut(BaseModel):
    criterion_id: int
    score: int
    comment: str | None


class OverrideOut(BaseModel):
    student_id: int
    criterion_id: int
    score: int
    reason: str


class MemberOut(BaseModel):
    id: int
    name: str
    student_number: str | None


class PreviewOut(BaseModel):
    """A member's grade as it would be published now; all null while the member misses a
    criterion."""

    student_id: int
    weighted_score: str | None = Field(description="Half up to 4 places.")
    weighted_score_exact: str | None = Field(description='The exact fraction "n/d".')
    grade: str | None = Field(description="With the policy's decimals.")


class SheetOut(BaseModel):
    assessment_id: int
    assessment_status: str
    project_team_id: int
    team_number: int
    version: int
    # False once this team version was superseded: kept with its scores, no longer written.
    active: bool
    rubric_id: int
    scale_min: int
    scale_max: int
    members: list[MemberOut]
    criteria: list[CriterionOut]
    scores: list[ScoreOut]
    overrides: list[OverrideOut]
    comment: str | None
    sheet_version: int
    # Every member has a grade: every criterion has a team score or their override (a team
    # without members: every team score). False for a replaced version: it is not published.
    complete: bool
    preview: list[PreviewOut]
