"""A student's weighted rubric score, exactly, from the score rows of one team key.

Per criterion the student's own override if there is one, else the team score; when several
rows compete for the same place (duplicates the legacy auto-save wrote), the highest id, the
row ``resolve duplicate-scores`` keeps. The weighted mean ``Σ w·s / Σ w`` runs over the criteria
that have a score.

Numbers arrive as the database's text (``CAST(... AS TEXT)``) and become ``Decimal``: a NUMERIC
weight of 0.1 stays one tenth, never a binary float near it. Sums and products of decimals are
decimals, computed in a context that raises rather than rounds (``Inexact``), so they are exact;
only the final division can leave the decimals, and it is a ``Fraction``. (Fractions all the way
cost 80 % of a 1M-row verify: Python-level gcd on every addition; Decimal is C.)
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Context, Decimal, Inexact, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from typing import NamedTuple, Protocol

# Wide enough for any NUMERIC weight times any score, summed over a rubric; if it ever is not,
# Inexact is raised (the verify stops: exit 3) instead of a rounded number compared.
EXACT = Context(prec=200, traps=[Inexact, InvalidOperation])
ZERO = Decimal(0)


class Scored(Protocol):
    """A score row as the verify reads it (the database's rows have these attributes; numbers
    may still be the database's text, parsed when used)."""

    @property
    def id(self) -> int: ...
    @property
    def criterion_id(self) -> int: ...
    @property
    def student_id(self) -> int | None: ...  # None: the team score
    @property
    def score(self) -> object: ...
    @property
    def weight(self) -> object: ...


class ScoreRow(NamedTuple):
    id: int
    criterion_id: int
    student_id: int | None
    score: object
    weight: object


@lru_cache(maxsize=65536)
def exact(text: object) -> Decimal | None:
    """A number as the database printed it ('1.500', '7', '0.1', '1.0e+20'), exactly. A rubric
    has a handful of weights and scores a handful of values: each text is parsed once."""
    if text is None:
        return None
    return Decimal(str(text).strip())


def _latest(place: dict[int, Scored], row: Scored) -> None:
    current = place.get(row.criterion_id)
    if current is None or row.id > current.id:
        place[row.criterion_id] = row


class KeyScores:
    """The score rows of one key read once: the team score of each criterion and each
    student's overrides; then each student's weighted score costs only their own criteria."""

    def __init__(self, rows: Iterable[Scored]) -> None:
        self.team: dict[int, Scored] = {}
        self.own: dict[int, dict[int, Scored]] = {}
        for row in rows:
            if row.score is None:
                continue  # a row without a score scores nothing
            if row.student_id is None:
                _latest(self.team, row)
            else:
                _latest(self.own.setdefault(row.student_id, {}), row)
        self._team_only: tuple[Fraction | None] | None = None

    def of(self, student_id: int) -> Fraction | None:
        own = self.own.get(student_id)
        if own is None:
            # Every student without an override has the team's score: computed once.
            if self._team_only is None:
                self._team_only = (_mean(self.team.values()),)
            return self._team_only[0]
        return _mean({**self.team, **own}.values())  # an override wins over the team score


def _mean(chosen: Iterable[Scored]) -> Fraction | None:
    """Σ w·s / Σ w, or None when nothing is scored or the weights add up to nothing (there is
    no mean to take)."""
    total_weight, weighted = ZERO, ZERO
    for row in chosen:
        weight = exact(row.weight) or ZERO
        total_weight = EXACT.add(total_weight, weight)
        weighted = EXACT.add(weighted, EXACT.multiply(weight, exact(row.score) or ZERO))
    if total_weight == 0:
        return None
    return Fraction(weighted) / Fraction(total_weight)


def weighted_score(rows: Iterable[Scored], student_id: int) -> Fraction | None:
    """One student's weighted score from a key's rows."""
    return KeyScores(rows).of(student_id)
