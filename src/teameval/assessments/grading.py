"""The declared grade policy and the one grade function (pure: no database, no floats).

A weighted rubric score ``r`` (the weighted mean of the criterion scores) becomes a grade by two
straight lines that meet at the pass level ``L`` (a value on the rubric's scale, by default its
midpoint), where the grade is exactly the pass grade ``P``::

    grade = min_grade + (P - min_grade) * (r - scale_min) / (L - scale_min)    when r <= L
    grade = P + (max_grade - P) * (r - L) / (scale_max - L)                    when r >  L

Everything is computed in ``fractions.Fraction`` and rounded once, half up (away from zero on a
tie, as ``decimal.ROUND_HALF_UP``), to ``decimals`` places: 4.35 becomes 4.4 and 5.45 becomes
5.5, where Python's ``round()`` on a float gives 4.3. Every result, preview and explanation of
the assessments goes through ``grade``, so there is one way to compute a grade.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from teameval.errors import InvalidInput

K = TypeVar("K", bound=Hashable)

DEFAULT_PASS_GRADE = Decimal("5.5")
DEFAULT_MIN_GRADE = Decimal("1.0")
DEFAULT_MAX_GRADE = Decimal("10.0")
DEFAULT_DECIMALS = 1
MAX_DECIMALS = 2


def _invalid(field_name: str, message: str) -> InvalidInput:
    return InvalidInput(
        f"Grade policy: {field_name} {message}.",
        errors=[{"field": field_name, "message": message}],
    )


def exact(value: Decimal | Fraction | int | str) -> Fraction:
    """An exact rational from a decimal (never through a float)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite number")
        return Fraction(value)
    return Fraction(Decimal(value)) if isinstance(value, str) else Fraction(value)


@dataclass(frozen=True)
class GradePolicy:
    """How a weighted score becomes a grade. ``pass_level`` None: the midpoint of the scale.

    Checked when made (``InvalidInput`` naming the field): min_grade < pass_grade < max_grade,
    0 <= decimals <= 2, and the three grades have at most ``decimals`` decimals (so the grade at
    the pass level is exactly the pass grade); the pass level is checked against a scale by
    ``level``.
    """

    pass_level: Fraction | None = None
    pass_grade: Decimal = DEFAULT_PASS_GRADE
    min_grade: Decimal = DEFAULT_MIN_GRADE
    max_grade: Decimal = DEFAULT_MAX_GRADE
    decimals: int = DEFAULT_DECIMALS

    def __post_init__(self) -> None:
        for name in ("pass_grade", "min_grade", "max_grade"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite():
                raise _invalid(name, "must be a finite decimal number")
        if self.pass_level is not None and (
            not isinstance(self.pass_level, Fraction) or self.pass_level < 0
        ):
            raise _invalid("pass_level", "must be a number of at least 0")
        if isinstance(self.decimals, bool) or not isinstance(self.decimals, int):
            raise _invalid("decimals", "must be a whole number")
        if not 0 <= self.decimals <= MAX_DECIMALS:
            raise _invalid("decimals", f"must be between 0 and {MAX_DECIMALS}")
        for name in ("min_grade", "pass_grade", "max_grade"):
            # A grade the policy names must be a grade it can give: r = L gives exactly P.
            if _places(getattr(self, name)) > self.decimals:
                raise _invalid(name, f"has more decimals than decimals ({self.decimals})")
        if not self.min_grade < self.pass_grade:
            raise _invalid("pass_grade", "must be above min_grade")
        if not self.pass_grade < self.max_grade:
            raise _invalid("pass_grade", "must be below max_grade")

    def level(self, scale_min: int, scale_max: int) -> Fraction:
        """The pass level on this scale; it must lie strictly inside it."""
        if not scale_min < scale_max:
            raise _invalid("scale_max", "must be above scale_min")
        level = Fraction(scale_min + scale_max, 2) if self.pass_level is None else self.pass_level
        if not scale_min < level < scale_max:
            raise _invalid("pass_level", f"must lie strictly between {scale_min} and {scale_max}")
        return level

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe and exact (decimals as strings): what a result freezes."""
        return {
            "pass_level": None if self.pass_level is None else fraction_text(self.pass_level),
            "pass_grade": decimal_text(self.pass_grade),
            "min_grade": decimal_text(self.min_grade),
            "max_grade": decimal_text(self.max_grade),
            "decimals": self.decimals,
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> GradePolicy:
        """The inverse of ``to_dict``; missing keys take the built-in defaults."""
        level = values.get("pass_level")
        return cls(
            pass_level=None if level is None else _fraction_of(level, "pass_level"),
            pass_grade=_decimal_of(values.get("pass_grade", DEFAULT_PASS_GRADE), "pass_grade"),
            min_grade=_decimal_of(values.get("min_grade", DEFAULT_MIN_GRADE), "min_grade"),
            max_grade=_decimal_of(values.get("max_grade", DEFAULT_MAX_GRADE), "max_grade"),
            decimals=values.get("decimals", DEFAULT_DECIMALS),
        )


def _decimal_of(value: Any, name: str) -> Decimal:
    if isinstance(value, float):
        raise _invalid(name, "must be given exactly (a decimal string), not a binary float")
    try:
        return Decimal(str(value)) if not isinstance(value, Decimal) else value
    except ArithmeticError as error:
        raise _invalid(name, "must be a decimal number") from error


def _fraction_of(value: Any, name: str) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, str) and "/" in value:
        try:
            return Fraction(value)
        except (ValueError, ZeroDivisionError) as error:
            raise _invalid(name, "must be a number") from error
    decimal = _decimal_of(value, name)
    if not decimal.is_finite():
        raise _invalid(name, "must be a finite number")
    return Fraction(decimal)


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def decimal_text(value: Decimal) -> str:
    """A decimal without trailing zeros or an exponent: ``Decimal('5.50')`` → ``"5.5"``."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def fraction_text(value: Fraction) -> str:
    """A fraction as an exact decimal when it has one (``7/2`` → ``"3.5"``), else ``"10/3"``."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    return decimal_text(Decimal(value.numerator) / Decimal(value.denominator))


def round_half_up(value: Fraction, decimals: int) -> Decimal:
    """``value`` rounded to ``decimals`` places, a tie away from zero; exact, with that many
    places in the result (``Decimal('7.0')``)."""
    scale = 10**decimals
    magnitude = abs(value) * scale
    whole, rest = divmod(magnitude.numerator, magnitude.denominator)
    if 2 * rest >= magnitude.denominator:
        whole += 1
    signed = -whole if value < 0 else whole
    return Decimal(signed).scaleb(-decimals)


def weighted_score(scores: Mapping[K, int], weights: Mapping[K, Decimal]) -> Fraction | None:
    """``Σ wᵢ·sᵢ / Σ wᵢ`` over every criterion in ``weights``; None when any has no score."""
    if not weights:
        return None
    total_weight = Fraction(0)
    total = Fraction(0)
    for criterion, weight in weights.items():
        if criterion not in scores:
            return None
        exact_weight = exact(weight)
        total_weight += exact_weight
        total += exact_weight * scores[criterion]
    return total / total_weight


def exact_grade(r: Fraction, policy: GradePolicy, scale_min: int, scale_max: int) -> Fraction:
    """The unrounded grade of the policy's piecewise line at ``r``."""
    if not scale_min <= r <= scale_max:
        raise _invalid("weighted_score", f"must lie between {scale_min} and {scale_max}")
    level = policy.level(scale_min, scale_max)
    lowest, passing, highest = (
        exact(policy.min_grade),
        exact(policy.pass_grade),
        exact(policy.max_grade),
    )
    if r <= level:
        return lowest + (passing - lowest) * (r - scale_min) / (level - scale_min)
    return passing + (highest - passing) * (r - level) / (scale_max - level)


def grade(r: Fraction, policy: GradePolicy, scale_min: int, scale_max: int) -> Decimal:
    """The grade for weighted score ``r`` on the scale ``scale_min..scale_max``, rounded half
    up to the policy's decimals."""
    return round_half_up(exact_grade(r, policy, scale_min, scale_max), policy.decimals)


@dataclass(frozen=True)
class CriterionStep:
    criterion: str
    weight: str
    score: int | None


@dataclass(frozen=True)
class GradeExplanation:
    """How a grade was computed, step by step, as data (exact values as strings)."""

    complete: bool
    criteria: list[CriterionStep]
    policy: dict[str, Any]
    scale_min: int
    scale_max: int
    pass_level: str
    missing: list[str] = field(default_factory=list)
    weighted_score: str | None = None
    branch: str | None = None  # "at_or_below_pass_level" or "above_pass_level"
    formula: str | None = None
    exact_grade: str | None = None
    grade: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "complete": self.complete,
            "criteria": [
                {"criterion": step.criterion, "weight": step.weight, "score": step.score}
                for step in self.criteria
            ],
            "missing": list(self.missing),
            "policy": dict(self.policy),
            "scale_min": self.scale_min,
            "scale_max": self.scale_max,
            "pass_level": self.pass_level,
            "weighted_score": self.weighted_score,
            "branch": self.branch,
            "formula": self.formula,
            "exact_grade": self.exact_grade,
            "grade": self.grade,
        }


def explain(
    scores: Mapping[K, int],
    weights: Mapping[K, Decimal],
    policy: GradePolicy,
    scale_min: int,
    scale_max: int,
    names: Mapping[K, str] | None = None,
) -> GradeExplanation:
    """Every step from the criterion scores to the grade (what a student is shown)."""
    label = (lambda key: names.get(key, str(key))) if names else str
    level = policy.level(scale_min, scale_max)
    steps = [
        CriterionStep(label(key), decimal_text(weight), scores.get(key))
        for key, weight in weights.items()
    ]
    explanation = GradeExplanation(
        complete=False,
        criteria=steps,
        policy=policy.to_dict(),
        scale_min=scale_min,
        scale_max=scale_max,
        pass_level=fraction_text(level),
    )
    r = weighted_score(scores, weights)
    if r is None:
        missing = [label(key) for key in weights if key not in scores]
        return replace(explanation, missing=missing)
    unrounded = exact_grade(r, policy, scale_min, scale_max)
    p, lo, hi = (decimal_text(v) for v in (policy.pass_grade, policy.min_grade, policy.max_grade))
    lv, rt = fraction_text(level), fraction_text(r)
    if r <= level:
        branch = "at_or_below_pass_level"
        formula = f"{lo} + ({p} - {lo}) * ({rt} - {scale_min}) / ({lv} - {scale_min})"
    else:
        branch = "above_pass_level"
        formula = f"{p} + ({hi} - {p}) * ({rt} - {lv}) / ({scale_max} - {lv})"
    return replace(
        explanation,
        complete=True,
        weighted_score=rt,
        branch=branch,
        formula=formula,
        exact_grade=fraction_text(unrounded),
        grade=str(round_half_up(unrounded, policy.decimals)),
    )
