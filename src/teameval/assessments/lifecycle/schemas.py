"""Bodies of the assessment routes (``/projects/{id}/assessments``, ``/assessments/{id}``).

The assessment's own ``grade_policy`` is a partial override (pass_level, pass_grade, decimals)
of the course's or school's policy; its values are exact decimals, answered as strings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from teameval.assessments.policies.schemas import GradePolicyOverride
from teameval.kit.inputs import BodyId, MultiLine, RequestBody, SingleLine
from teameval.models import AssessmentStatus

TITLE_MAX = 200
KIND_MAX = 50
REASON_MAX = 2_000


class AssessmentCreate(RequestBody):
    """A new assessment starts as ``draft`` and links the project's current teams."""

    title: SingleLine = Field(min_length=1, max_length=TITLE_MAX)
    rubric_id: BodyId = Field(description="A rubric of the school with scope `project`.")
    kind: SingleLine = Field(
        default="final", min_length=1, max_length=KIND_MAX, examples=["interim", "final"]
    )
    grade_policy: GradePolicyOverride | None = None


class AssessmentUpdate(RequestBody):
    """Only the fields sent change. ``title``, ``kind``, ``grade_policy`` and ``rubric_id`` only
    while ``draft``; ``status`` is a transition (docs/assessments.md "Lifecycle"):
    ``{"status": "published", "complete_only": true}`` publishes the complete students only,
    ``{"status": "closed", "reason": "..."}`` from ``published`` withdraws the publication."""

    title: SingleLine | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    kind: SingleLine | None = Field(default=None, min_length=1, max_length=KIND_MAX)
    grade_policy: GradePolicyOverride | None = None
    rubric_id: BodyId | None = None
    status: AssessmentStatus | None = None
    complete_only: bool | None = Field(
        default=None, description="With status `published`: publish only the complete students."
    )
    reason: MultiLine | None = Field(
        default=None,
        max_length=REASON_MAX,
        description="With status `closed` from `published`: why the publication is withdrawn.",
    )


class AssessmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    project_id: int
    rubric_id: int
    title: str
    kind: str
    status: AssessmentStatus
    grade_policy: dict[str, Any] | None = Field(
        description="The assessment's own override (pass_level, pass_grade, decimals), or null."
    )
    revision: int = Field(description="The latest publication's revision; 0: never published.")
    created_by_id: int | None
    opened_at: datetime | None
    closed_at: datetime | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class TeamMemberOut(BaseModel):
    id: int
    name: str
    student_number: str | None
    complete: bool
    missing: list[int] = Field(description="Criterion ids without a score for this student.")


class LinkedTeamOut(BaseModel):
    project_team_id: int
    team_number: int
    name: str
    version: int
    locked: bool
    sheet_version: int
    comment: str | None
    scored: int = Field(description="Criteria with a team score.")
    criteria: int
    complete: bool = Field(description="Every member has a score for every criterion.")
    members: list[TeamMemberOut]


class PublicationOut(BaseModel):
    id: int
    revision: int
    published_at: datetime
    published_by_id: int | None
    complete_only: bool
    results: int = Field(description="How many students got a result.")
    withdrawn: bool
    withdrawn_at: datetime | None
    withdrawn_by_id: int | None
    withdraw_reason: str | None
    policy: dict[str, Any]
    rubric: dict[str, Any]
