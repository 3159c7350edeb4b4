"""Bodies of the grade-policy routes. Values are exact decimals: sent as JSON numbers or
strings, answered as strings (``"5.5"``); ``pass_level`` null means the midpoint of the scale."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, WithJsonSchema

from teameval.assessments.grading import (
    DEFAULT_DECIMALS,
    DEFAULT_MAX_GRADE,
    DEFAULT_MIN_GRADE,
    DEFAULT_PASS_GRADE,
    MAX_DECIMALS,
)
from teameval.kit.inputs import RequestBody
from teameval.models.grade_policy import GRADE_PRECISION, GRADE_SCALE, LEVEL_PRECISION, LEVEL_SCALE

# Documented as the exact form, a decimal string; a JSON number is accepted too.
Grade = Annotated[
    Decimal,
    Field(ge=0, max_digits=GRADE_PRECISION, decimal_places=GRADE_SCALE, allow_inf_nan=False),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{1,3}(\.\d{1,2})?$",
            "maxLength": GRADE_PRECISION + 1,
            "examples": ["5.5"],
            "description": "Exact, at most 2 decimals; a JSON number is accepted too.",
        }
    ),
]
Level = Annotated[
    Decimal,
    Field(ge=0, max_digits=LEVEL_PRECISION, decimal_places=LEVEL_SCALE, allow_inf_nan=False),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{1,4}(\.\d{1,3})?$",
            "maxLength": LEVEL_PRECISION + 1,
            "examples": ["3.5"],
            "description": "A value on the rubric's scale, at most 3 decimals; null: the "
            "midpoint. A JSON number is accepted too.",
        }
    ),
]


class GradePolicyIn(RequestBody):
    """A whole policy: fields left out take the built-in defaults (not the school's values)."""

    pass_level: Level | None = None
    pass_grade: Grade = DEFAULT_PASS_GRADE
    min_grade: Grade = DEFAULT_MIN_GRADE
    max_grade: Grade = DEFAULT_MAX_GRADE
    decimals: int = Field(default=DEFAULT_DECIMALS, ge=0, le=MAX_DECIMALS)


class GradePolicyOverride(RequestBody):
    """An assessment's partial override (the assessments wave takes this in its create body)."""

    pass_level: Level | None = None
    pass_grade: Grade | None = None
    decimals: int | None = Field(default=None, ge=0, le=MAX_DECIMALS)


class GradePolicyOut(BaseModel):
    source: Literal["course", "school", "default"] = Field(
        description="Where the policy comes from: the course's override, the school's default, "
        "or the built-in defaults (nothing stored)."
    )
    course_id: int | None
    pass_level: str | None
    pass_grade: str
    min_grade: str
    max_grade: str
    decimals: int
