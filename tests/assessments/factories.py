"""Rubrics for tests, straight through the ORM (the write paths are tested through the API)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from teameval.models import Rubric, RubricCriterion, User


def make_rubric(
    session: Session,
    creator: User,
    title: str = "Projectrubric",
    *,
    scope: str = "project",
    scale: tuple[int, int] = (1, 5),
    weights: tuple[str, ...] = ("1", "2"),
) -> Rubric:
    rubric = Rubric(
        school_id=creator.school_id,
        title=title,
        scope=scope,
        scale_min=scale[0],
        scale_max=scale[1],
        created_by_id=creator.id,
    )
    session.add(rubric)
    session.flush()
    for position, weight in enumerate(weights):
        session.add(
            RubricCriterion(
                school_id=rubric.school_id,
                rubric_id=rubric.id,
                name=f"Criterion {position + 1}",
                weight=Decimal(weight),
                position=position,
            )
        )
    session.flush()
    return rubric
