"""Request and response bodies of the rubric routes (and of the JSON import, which reads the
create body). Weights are exact decimals: sent as a JSON number or string, answered as a string.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from teameval.assessments.grading import decimal_text
from teameval.kit.inputs import BodyId, MultiLine, RequestBody, SingleLine
from teameval.models.rubric import MAX_CRITERIA, MAX_LEVELS, WEIGHT_PRECISION, WEIGHT_SCALE

Scope = Literal["project", "peer"]
FieldError = dict[str, str]
MAX_DESCRIPTOR_LENGTH = 2000

# Documented as the exact form, a decimal string; a JSON number is accepted too.
Weight = Annotated[
    Decimal,
    Field(gt=0, max_digits=WEIGHT_PRECISION, decimal_places=WEIGHT_SCALE, allow_inf_nan=False),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{1,6}(\.\d{1,3})?$",
            "maxLength": WEIGHT_PRECISION + 1,
            "examples": ["1", "1.5"],
            "description": "Exact, > 0, at most 3 decimals; a JSON number is accepted too.",
        }
    ),
]
Descriptor = Annotated[MultiLine, Field(max_length=MAX_DESCRIPTOR_LENGTH)]
ExactText = Annotated[Decimal, PlainSerializer(decimal_text, return_type=str)]


class CriterionIn(RequestBody):
    name: SingleLine = Field(min_length=1, max_length=200)
    weight: Weight = Decimal(1)
    category: SingleLine | None = Field(default=None, max_length=100)
    descriptors: list[Descriptor] | None = Field(
        default=None,
        max_length=MAX_LEVELS,
        description="One text per level of the scale, lowest first.",
    )


class CriterionUpdate(CriterionIn):
    """A criterion in a PATCH's list: with the ``id`` of one of the rubric's criteria it is
    updated, without one it is created."""

    id: BodyId | None = None


class RubricCreate(RequestBody):
    title: SingleLine = Field(min_length=1, max_length=200)
    description: MultiLine | None = Field(default=None, max_length=10_000)
    scope: Scope
    scale_min: int = Field(ge=0, le=1000)
    scale_max: int = Field(ge=1, le=1000)
    criteria: list[CriterionIn] = Field(min_length=1, max_length=MAX_CRITERIA)


class RubricUpdate(RequestBody):
    """Only the fields sent change; ``criteria`` replaces the whole list (criteria left out are
    removed)."""

    title: SingleLine | None = Field(default=None, min_length=1, max_length=200)
    description: MultiLine | None = Field(default=None, max_length=10_000)
    criteria: list[CriterionUpdate] | None = Field(
        default=None, min_length=1, max_length=MAX_CRITERIA
    )


def shape_errors(
    scale_min: int, scale_max: int, criteria: Sequence[CriterionIn]
) -> list[FieldError]:
    """What is wrong with the scale and with each criterion's descriptors (one text per level),
    each naming its field; the scale's bounds themselves are checked by the fields' types."""
    if scale_max <= scale_min:
        return [{"field": "scale_max", "message": f"must be above scale_min ({scale_min})"}]
    levels = scale_max - scale_min + 1
    if levels > MAX_LEVELS:
        return [
            {
                "field": "scale_max",
                "message": f"the scale {scale_min}..{scale_max} has {levels} levels; "
                f"at most {MAX_LEVELS} are allowed",
            }
        ]
    return [
        {
            "field": f"criteria.{index}.descriptors",
            "message": f"has {len(criterion.descriptors)} texts; the scale {scale_min}.."
            f"{scale_max} has {levels} levels (one text per level)",
        }
        for index, criterion in enumerate(criteria)
        if criterion.descriptors is not None and len(criterion.descriptors) != levels
    ]


class CriterionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    weight: ExactText = Field(json_schema_extra={"type": "string"})
    category: str | None
    descriptors: list[str] | None
    position: int


class RubricOut(BaseModel):
    id: int
    title: str
    description: str | None
    scope: str
    scale_min: int
    scale_max: int
    frozen: bool
    frozen_at: datetime | None
    copied_from_id: int | None
    criteria: list[CriterionOut]
