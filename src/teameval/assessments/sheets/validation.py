"""Checking a whole sheet body against the rubric and the team version, naming every field.

Pure: takes what the save read (the criteria, the scale, the members) and answers the list of
problems, each ``{field, message}`` with the field as the request names it (``scores.2.score``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

FieldError = dict[str, str]


class ScoreLike(Protocol):
    criterion_id: int
    score: int


class OverrideLike(ScoreLike, Protocol):
    student_id: int
    reason: str


def _scored(
    name: str, index: int, row: ScoreLike, criteria: set[int], scale: tuple[int, int]
) -> list[FieldError]:
    errors = []
    if row.criterion_id not in criteria:
        errors.append(
            {
                "field": f"{name}.{index}.criterion_id",
                "message": f"criterion {row.criterion_id} is not a criterion of this "
                "assessment's rubric",
            }
        )
    low, high = scale
    if not low <= row.score <= high:
        errors.append(
            {
                "field": f"{name}.{index}.score",
                "message": f"{row.score} is outside the rubric's scale {low}..{high}",
            }
        )
    return errors


def score_errors(
    scores: Sequence[ScoreLike], criteria: Iterable[int], scale: tuple[int, int]
) -> list[FieldError]:
    """Team (or self-assessment) scores: a criterion of the rubric, once, within the scale."""
    known = set(criteria)
    errors: list[FieldError] = []
    first: dict[int, int] = {}
    for index, row in enumerate(scores):
        errors += _scored("scores", index, row, known, scale)
        if row.criterion_id in first:
            errors.append(
                {
                    "field": f"scores.{index}.criterion_id",
                    "message": f"criterion {row.criterion_id} is scored twice "
                    f"(also at scores.{first[row.criterion_id]})",
                }
            )
        first.setdefault(row.criterion_id, index)
    return errors


def override_errors(
    overrides: Sequence[OverrideLike],
    criteria: Iterable[int],
    scale: tuple[int, int],
    members: Iterable[int],
    team_label: str,
) -> list[FieldError]:
    """Overrides: a member of this team version, a criterion of the rubric, once per student
    and criterion, within the scale, with a reason that is not blank."""
    known, people = set(criteria), set(members)
    errors: list[FieldError] = []
    first: dict[tuple[int, int], int] = {}
    for index, row in enumerate(overrides):
        if row.student_id not in people:
            errors.append(
                {
                    "field": f"overrides.{index}.student_id",
                    "message": f"student {row.student_id} is not a member of {team_label}",
                }
            )
        errors += _scored("overrides", index, row, known, scale)
        if not row.reason.strip():
            errors.append(
                {
                    "field": f"overrides.{index}.reason",
                    "message": "an override needs a reason",
                }
            )
        key = (row.student_id, row.criterion_id)
        if key in first:
            errors.append(
                {
                    "field": f"overrides.{index}.criterion_id",
                    "message": f"student {row.student_id} has criterion {row.criterion_id} "
                    f"overridden twice (also at overrides.{first[key]})",
                }
            )
        first.setdefault(key, index)
    return errors
