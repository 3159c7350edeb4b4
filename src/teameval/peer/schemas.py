"""Bodies of the peer evaluation routes (issue 13; docs/peer-evaluation.md).

Exact numbers (weighting, penalty, factors, grades, thresholds) go out as decimal strings and are
accepted as strings or JSON numbers. Nothing a student receives names a rater: the student
bodies (``My*``, ``Feedback*``) have no field that could carry one.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, PlainSerializer, WithJsonSchema

from teameval.assessments.grading import decimal_text
from teameval.assessments.rubrics.schemas import CriterionOut
from teameval.kit.inputs import BodyId, MultiLine, RequestBody, SingleLine
from teameval.models import CorrectionModel, NonSubmitter, PeerStatus

TITLE_MAX = 200
COMMENT_MAX = 2_000
MAX_RATINGS = 2_000  # a team of 40 rating each other on 1 criterion, or 10 on 20 criteria

ExactText = Annotated[Decimal, PlainSerializer(decimal_text, return_type=str)]
_DECIMAL_SCHEMA = WithJsonSchema({"type": "string", "examples": ["0.5"]})
Weighting = Annotated[
    Decimal, Field(ge=0, le=1, decimal_places=4, allow_inf_nan=False), _DECIMAL_SCHEMA
]
Penalty = Annotated[
    Decimal, Field(ge=0, le=100, decimal_places=2, allow_inf_nan=False), _DECIMAL_SCHEMA
]
Ratio = Annotated[
    Decimal, Field(ge=0, le=100, decimal_places=4, allow_inf_nan=False), _DECIMAL_SCHEMA
]
SubmissionState = Literal["none", "draft", "submitted"]


class ThresholdsIn(RequestBody):
    """Flag thresholds; those left out keep the defaults (docs/peer-evaluation.md, "Flags")."""

    min_peer_raters: int | None = Field(default=None, ge=0, le=100)
    self_high: Ratio | None = None
    self_low: Ratio | None = None
    low_factor: Ratio | None = None
    outlier_z: Ratio | None = None


class PeerEvaluationCreate(RequestBody):
    """A new evaluation starts as ``draft``; nothing is locked until it opens."""

    title: SingleLine = Field(min_length=1, max_length=TITLE_MAX)
    rubric_id: BodyId = Field(description="A rubric of the school with scope `peer`.")
    include_self: bool = False
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    model: CorrectionModel = CorrectionModel.WEBPA
    weighting: Weighting = Decimal("0.5")
    non_submitter: NonSubmitter = NonSubmitter.CAP
    penalty: Penalty = Decimal(0)
    assessment_id: BodyId | None = Field(
        default=None, description="An assessment of the same project whose grades it corrects."
    )
    thresholds: ThresholdsIn | None = None


class PeerEvaluationUpdate(RequestBody):
    """Only the fields sent change: the correction setting (model, weighting, non_submitter,
    penalty, assessment_id, thresholds) until publication, the others only while ``draft`` (409
    otherwise). ``status``
    is a transition: draft→open, open→closed, closed→open (reopen), closed→published."""

    title: SingleLine | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    rubric_id: BodyId | None = None
    include_self: bool | None = None
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    model: CorrectionModel | None = None
    weighting: Weighting | None = None
    non_submitter: NonSubmitter | None = None
    penalty: Penalty | None = None
    assessment_id: BodyId | None = None
    thresholds: ThresholdsIn | None = None
    status: PeerStatus | None = None


class PeerEvaluationOut(BaseModel):
    id: int
    project_id: int
    rubric_id: int
    assessment_id: int | None
    title: str
    include_self: bool
    opens_at: datetime | None
    closes_at: datetime | None
    status: PeerStatus
    model: CorrectionModel
    weighting: str = Field(description="w, 0 to 1, as a decimal string.")
    non_submitter: NonSubmitter
    penalty: str = Field(description="Grade points off a non-submitter, as a decimal string.")
    thresholds: dict[str, str | int] = Field(description="The flag thresholds in force.")
    linked_team_ids: list[int] = Field(description="The team versions it locked on opening.")
    created_by_id: int | None
    opened_at: datetime | None
    closed_at: datetime | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


# --- students ------------------------------------------------------------------------------------


class MyPeerEvaluationOut(BaseModel):
    id: int
    project_id: int
    title: str
    status: PeerStatus
    include_self: bool
    opens_at: datetime | None
    closes_at: datetime | None
    project_team_id: int = Field(description="The team version the caller rates in.")
    editable: bool = Field(description="Open and within its window: ratings can be saved.")
    submission: SubmissionState
    submitted_at: datetime | None


class TeammateOut(BaseModel):
    id: int
    name: str
    is_self: bool


class MyRatingOut(BaseModel):
    ratee_id: int
    criterion_id: int
    score: int
    comment: str | None


class MyPeerFormOut(MyPeerEvaluationOut):
    team_number: int
    scale_min: int
    scale_max: int
    members: list[TeammateOut] = Field(description="Whom the caller rates (names only).")
    criteria: list[CriterionOut]
    ratings: list[MyRatingOut] = Field(description="The caller's own saved ratings.")


class RatingIn(RequestBody):
    ratee_id: BodyId
    criterion_id: BodyId
    score: int = Field(ge=-(2**31), le=2**31 - 1)
    comment: MultiLine | None = Field(default=None, max_length=COMMENT_MAX)


class RatingsPut(RequestBody):
    """The caller's whole form: ratings left out are removed. ``submit`` (or a form submitted
    before) needs every teammate (and the caller, with ``include_self``) rated on every
    criterion; a submitted form stays submitted and can change until the evaluation closes."""

    ratings: list[RatingIn] = Field(max_length=MAX_RATINGS)
    submit: bool = False


class FeedbackCriterionOut(BaseModel):
    criterion_id: int
    name: str
    peer_mean: str | None = Field(description="Mean of the peers' scores, 2 decimals.")
    peer_ratings: int = Field(description="How many peers' scores the mean is of.")
    self_score: int | None


class MyResultOut(BaseModel):
    model: CorrectionModel
    factor: str
    base_grade: str | None
    grade: str | None


class FeedbackOut(BaseModel):
    evaluation_id: int
    title: str
    criteria: list[FeedbackCriterionOut]
    comments: list[str] = Field(description="Peers' comments on the caller, without names.")
    result: MyResultOut | None


# --- teachers ------------------------------------------------------------------------------------


class ProgressMemberOut(BaseModel):
    id: int
    name: str
    submission: SubmissionState
    submitted_at: datetime | None


class ProgressTeamOut(BaseModel):
    project_team_id: int
    team_number: int
    name: str
    version: int
    size: int
    submitted: int
    members: list[ProgressMemberOut]


class ProgressOut(BaseModel):
    evaluation_id: int
    status: PeerStatus
    students: int
    submitted: int
    teams: list[ProgressTeamOut]


class MatrixRatingOut(BaseModel):
    id: int
    rater_id: int
    ratee_id: int
    criterion_id: int
    score: int
    comment: str | None
    comment_hidden: bool
    submitted: bool = Field(description="The rater has submitted (a draft otherwise).")


class MatrixMemberOut(BaseModel):
    id: int
    name: str


class MatrixOut(BaseModel):
    evaluation_id: int
    project_team_id: int
    members: list[MatrixMemberOut]
    criteria: list[CriterionOut]
    ratings: list[MatrixRatingOut]


class StudentFactorsOut(BaseModel):
    student_id: int
    name: str
    project_team_id: int
    submitted: bool
    webpa: str
    catme: str
    gcf: str
    flags: list[str] = Field(description="Under the evaluation's model (docs: Flags).")


class FactorsOut(BaseModel):
    evaluation_id: int
    model: CorrectionModel
    students: list[StudentFactorsOut]


class PreviewStudentOut(StudentFactorsOut):
    base_grade: str | None = Field(description="The linked assessment's grade, uncorrected.")
    grades: dict[str, str | None] = Field(description="The grade under none, webpa, catme, gcf.")


class PreviewOut(BaseModel):
    evaluation_id: int
    assessment_id: int
    model: CorrectionModel
    weighting: str
    non_submitter: NonSubmitter
    penalty: str
    students: list[PreviewStudentOut]


class RatingHide(RequestBody):
    comment_hidden: bool
