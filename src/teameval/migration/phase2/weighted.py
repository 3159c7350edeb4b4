"""A student's weighted rubric score, exactly, from the score rows of one team key.

Per criterion the student's own override if there is one, else the team score; when several
rows compete for the same place (duplicates the legacy auto-save wrote), the highest id, the
row ``resolve duplicate-scores`` keeps. The weighted mean ``Σ w·s / Σ w`` runs over the criteria
that have a score. Numbers arrive as the database's text (``CAST(... AS TEXT)``) and become
``Fraction``: a NUMERIC weight of 0.1 stays one tenth, never a binary float near it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class ScoreRow:
    id: int
    criterion_id: int
    student_id: int | None  # None: the team score
    score: Fraction | None
    weight: Fraction


def exact(text: object) -> Fraction | None:
    """A number as the database printed it ('1.500', '7', '0.1', '1.0e+20') as a Fraction."""
    if text is None:
        return None
    return Fraction(str(text).strip())


def score_row(
    id: int, criterion_id: int, student_id: int | None, score: object, weight: object
) -> ScoreRow:
    parsed_weight = exact(weight)
    return ScoreRow(
        id=int(id),
        criterion_id=int(criterion_id),
        student_id=None if student_id is None else int(student_id),
        score=exact(score),
        weight=Fraction(0) if parsed_weight is None else parsed_weight,
    )


def weighted_score(rows: Iterable[ScoreRow], student_id: int) -> Fraction | None:
    """The student's weighted score, or None when no criterion has a score (or the weights of
    the scored criteria add up to nothing: there is no mean to take)."""
    team: dict[int, ScoreRow] = {}
    own: dict[int, ScoreRow] = {}
    for row in rows:
        if row.score is None:
            continue  # a row without a score scores nothing
        if row.student_id is None:
            place = team
        elif row.student_id == student_id:
            place = own
        else:
            continue
        current = place.get(row.criterion_id)
        if current is None or row.id > current.id:
            place[row.criterion_id] = row
    chosen = {**team, **own}  # an override wins over the team score of its criterion
    total_weight = sum((row.weight for row in chosen.values()), Fraction(0))
    if total_weight == 0:
        return None
    weighted = sum(
        (row.weight * row.score for row in chosen.values() if row.score is not None),
        Fraction(0),
    )
    return weighted / total_weight
