"""How many criteria each rubric has and how many assessments use it: what a list of rubrics
shows beside each title, in one statement each whatever the number of rubrics."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from teameval.models import ProjectAssessment, RubricCriterion, User


def criterion_counts(session: Session, rubric_ids: Sequence[int]) -> dict[int, int]:
    """rubric id → its number of criteria (a rubric without any is left out)."""
    if not rubric_ids:
        return {}
    rows = session.execute(
        select(RubricCriterion.rubric_id, func.count())
        .where(RubricCriterion.rubric_id.in_(rubric_ids))
        .group_by(RubricCriterion.rubric_id)
    ).all()
    return {rubric_id: int(count) for rubric_id, count in rows}


def assessment_counts(session: Session, rubric_ids: Sequence[int]) -> dict[int, int]:
    """rubric id → how many assessments (of any status) assess with it (unused: left out)."""
    if not rubric_ids:
        return {}
    rows = session.execute(
        select(ProjectAssessment.rubric_id, func.count())
        .where(ProjectAssessment.rubric_id.in_(rubric_ids))
        .group_by(ProjectAssessment.rubric_id)
    ).all()
    return {rubric_id: int(count) for rubric_id, count in rows}


def creator_names(session: Session, user_ids: Sequence[int | None]) -> dict[int, str]:
    """user id → name, for the creators of a page of rubrics."""
    wanted = sorted({user_id for user_id in user_ids if user_id is not None})
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.name).where(User.id.in_(wanted))).all()
    return dict(rows)
