"""Bodies of the results routes. Exact values are strings: ``weighted_score`` half up to 4
places (``"3.6667"``), ``weighted_score_exact`` the fraction (``"11/3"``), ``grade`` with the
policy's decimals (``"7.5"``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ResultRowOut(BaseModel):
    student_id: int
    name: str
    student_number: str | None
    project_team_id: int
    team_number: int
    team_version: int
    weighted_score: str | None = Field(description="Half up to 4 places; null when incomplete.")
    weighted_score_exact: str | None = Field(description='The exact fraction "n/d".')
    grade: str | None = Field(description="With the policy's decimals; null when incomplete.")
    complete: bool
    missing: list[int] = Field(description="Criterion ids this student has no score for.")


class ResultsOut(BaseModel):
    assessment_id: int
    status: str
    source: Literal["preview", "publication"] = Field(
        description="`publication`: the stored rows of the latest publication (while published); "
        "`preview`: computed now from the sheets."
    )
    revision: int | None = Field(description="The publication's revision (null for a preview).")
    published_at: datetime | None
    policy: dict[str, Any] = Field(description="The grade policy used (pass level resolved).")
    items: list[ResultRowOut]
