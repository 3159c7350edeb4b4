"""The grade function: worked examples, half-up rounding, policy validation naming the field,
and properties (hypothesis) against an independent plain-``Fraction`` oracle."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from teameval.assessments.grading import (
    GradePolicy,
    explain,
    grade,
    round_half_up,
    weighted_score,
)
from teameval.errors import InvalidInput

DEFAULT = GradePolicy()


def oracle(
    r: Fraction,
    level: Fraction,
    p: Fraction,
    lo: Fraction,
    hi: Fraction,
    smin: int,
    smax: int,
    decimals: int,
) -> str:
    """Written apart from the code under test: the issue's formula, then half up by hand on the
    scaled numerator and denominator, formatted with exactly ``decimals`` places."""
    if r <= level:
        g = lo + (p - lo) * (r - smin) / (level - smin)
    else:
        g = p + (hi - p) * (r - level) / (smax - level)
    scaled = g * 10**decimals
    units = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)  # g >= 0
    text = str(units).rjust(decimals + 1, "0")
    return text if decimals == 0 else f"{text[:-decimals]}.{text[-decimals:]}"


def test_worked_examples() -> None:
    # Midpoint 3 on 1..5: r = 3 is exactly the pass grade; the ends are 1.0 and 10.0.
    assert grade(Fraction(3), DEFAULT, 1, 5) == Decimal("5.5")
    assert grade(Fraction(1), DEFAULT, 1, 5) == Decimal("1.0")
    assert grade(Fraction(5), DEFAULT, 1, 5) == Decimal("10.0")
    # r = 4: 5.5 + 4.5 * (4 - 3) / (5 - 3) = 7.75 -> 7.8 (half up).
    assert grade(Fraction(4), DEFAULT, 1, 5) == Decimal("7.8")
    # A pass level above the midpoint (3.5 on 1..5): r = 3 -> 1 + 4.5 * 2 / 2.5 = 4.6.
    strict = GradePolicy(pass_level=Fraction(7, 2))
    assert grade(Fraction(3), strict, 1, 5) == Decimal("4.6")
    assert grade(Fraction(7, 2), strict, 1, 5) == Decimal("5.5")
    # r = 4.25: 5.5 + 4.5 * 0.75 / 1.5 = 7.75 -> 7.8.
    assert grade(Fraction(17, 4), strict, 1, 5) == Decimal("7.8")


def test_half_up_where_round_gives_less() -> None:
    assert round_half_up(Fraction("4.35"), 1) == Decimal("4.4")
    assert round_half_up(Fraction("5.45"), 1) == Decimal("5.5")
    assert round(4.35, 1) == 4.3  # what the seed platform did
    assert round_half_up(Fraction("7.125"), 2) == Decimal("7.13")
    assert round_half_up(Fraction("6.5"), 0) == Decimal("7")
    assert str(round_half_up(Fraction(7), 1)) == "7.0"


def test_weighted_score_is_exact_and_needs_every_criterion() -> None:
    weights = {"a": Decimal("2.5"), "b": Decimal("1")}
    assert weighted_score({"a": 4, "b": 1}, weights) == (Fraction(5, 2) * 4 + 1) / Fraction(7, 2)
    assert weighted_score({"a": 4}, weights) is None
    assert weighted_score({}, {}) is None


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"pass_grade": Decimal("1.0")}, "pass_grade"),
        ({"pass_grade": Decimal("10.0")}, "pass_grade"),
        ({"decimals": 3}, "decimals"),
        ({"decimals": -1}, "decimals"),
        ({"pass_level": Fraction(-1)}, "pass_level"),
        ({"pass_grade": Decimal("5.55")}, "pass_grade"),
        ({"decimals": 0}, "pass_grade"),
    ],
)
def test_policy_validation_names_the_field(values: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        GradePolicy(**values)  # type: ignore[arg-type]
    assert raised.value.extensions["errors"][0]["field"] == field


@pytest.mark.parametrize("level", [Fraction(1), Fraction(5), Fraction(6)])
def test_pass_level_must_lie_inside_the_scale(level: Fraction) -> None:
    with pytest.raises(InvalidInput) as raised:
        grade(Fraction(3), GradePolicy(pass_level=level), 1, 5)
    assert raised.value.extensions["errors"][0]["field"] == "pass_level"


def test_explain_shows_every_step() -> None:
    weights = {1: Decimal("2"), 2: Decimal("1")}
    steps = explain({1: 4, 2: 2}, weights, DEFAULT, 1, 5, names={1: "Samenwerking", 2: "Product"})
    assert steps.to_dict() == {
        "complete": True,
        "criteria": [
            {"criterion": "Samenwerking", "weight": "2", "score": 4},
            {"criterion": "Product", "weight": "1", "score": 2},
        ],
        "missing": [],
        "policy": {
            "pass_level": None,
            "pass_grade": "5.5",
            "min_grade": "1",
            "max_grade": "10",
            "decimals": 1,
        },
        "scale_min": 1,
        "scale_max": 5,
        "pass_level": "3",
        "weighted_score": "10/3",
        "branch": "above_pass_level",
        "formula": "5.5 + (10 - 5.5) * (10/3 - 3) / (5 - 3)",
        "exact_grade": "6.25",
        "grade": "6.3",
    }
    partial = explain({1: 4}, weights, DEFAULT, 1, 5).to_dict()
    assert partial["complete"] is False
    assert partial["missing"] == ["2"]
    assert partial["grade"] is None


scales = st.tuples(st.integers(0, 5), st.integers(1, 9)).map(lambda t: (t[0], t[0] + t[1]))


@st.composite
def policies(draw: st.DrawFn, scale: tuple[int, int]) -> GradePolicy:
    smin, smax = scale
    level = None
    if draw(st.booleans()):
        thousandths = draw(st.integers(smin * 1000 + 1, smax * 1000 - 1))
        level = Fraction(thousandths, 1000)
    decimals = draw(st.integers(0, 2))
    unit = Decimal(1).scaleb(-decimals)
    lo = draw(st.integers(0, 300)) * unit
    p = lo + draw(st.integers(1, 500)) * unit
    hi = p + draw(st.integers(1, 500)) * unit
    return GradePolicy(level, p, lo, hi, decimals)


@st.composite
def cases(draw: st.DrawFn) -> tuple[GradePolicy, int, int, dict[int, int], dict[int, Decimal]]:
    smin, smax = draw(scales)
    policy = draw(policies((smin, smax)))
    count = draw(st.integers(1, 6))
    weights = {i: Decimal(draw(st.integers(1, 5000))) / 1000 for i in range(count)}
    scores = {i: draw(st.integers(smin, smax)) for i in range(count)}
    return policy, smin, smax, scores, weights


@settings(max_examples=300, deadline=None)
@given(cases())
def test_grade_properties(
    case: tuple[GradePolicy, int, int, dict[int, int], dict[int, Decimal]],
) -> None:
    policy, smin, smax, scores, weights = case
    r = weighted_score(scores, weights)
    assert r is not None
    result = grade(r, policy, smin, smax)
    # Within [min_grade, max_grade].
    assert policy.min_grade <= result <= policy.max_grade
    # Equal to the independent oracle.
    level = policy.level(smin, smax)
    expected = oracle(
        r,
        level,
        Fraction(policy.pass_grade),
        Fraction(policy.min_grade),
        Fraction(policy.max_grade),
        smin,
        smax,
        policy.decimals,
    )
    assert str(result) == expected
    # Monotonic in every score: raising one criterion never lowers the grade.
    for criterion, score in scores.items():
        if score < smax:
            higher = weighted_score({**scores, criterion: score + 1}, weights)
            assert higher is not None
            assert grade(higher, policy, smin, smax) >= result
    # r = L gives exactly P.
    assert grade(level, policy, smin, smax) == policy.pass_grade


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 9999), st.integers(0, 2))
def test_half_up_at_every_x5_boundary(units: int, decimals: int) -> None:
    # units/10^d + 5/10^(d+1): exactly halfway between two results; half up takes the upper.
    value = Fraction(units, 10**decimals) + Fraction(5, 10 ** (decimals + 1))
    rounded = round_half_up(value, decimals)
    assert rounded == Decimal(units + 1).scaleb(-decimals)
    # Just below the boundary goes down.
    below = round_half_up(value - Fraction(1, 10**6), decimals)
    assert below == Decimal(units).scaleb(-decimals)


def test_pass_grade_at_the_pass_level_exactly() -> None:
    for smin, smax in [(0, 1), (1, 4), (1, 5), (0, 9)]:
        for level in (None, Fraction(smin) + Fraction(1, 3) * (smax - smin)):
            policy = GradePolicy(pass_level=level, pass_grade=Decimal("5.55"), decimals=2)
            assert grade(policy.level(smin, smax), policy, smin, smax) == Decimal("5.55")
