"""The correction models against a plain-Python oracle written apart from the code (lists
indexed by position, loops, no shared helpers), and their properties (hypothesis): the
non-submitter cap never lets a non-submitter gain over the uncorrected grade, grades stay
within the policy's bounds, and equal ratings with everyone submitting give exactly 1."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from teameval.assessments.grading import GradePolicy
from teameval.peer.corrections import (
    CorrectionSettings,
    TeamRatings,
    catme_factors,
    correct_team,
    corrected_grade,
    gcf_factors,
    team_factors,
    webpa_factors,
)

DEFAULT = GradePolicy()
NONE = CorrectionSettings("none")


# --- the oracle ------------------------------------------------------------------------------


@dataclass
class Case:
    """Positions instead of ids: scores[r][j][c] is an int or None (not given)."""

    n: int
    weights: list[Fraction]
    scale: tuple[int, int]
    include_self: bool
    submitted: list[bool]
    scores: list[list[list[int | None]]]

    def team(self) -> TeamRatings[int, int]:
        ratings = {
            (r, j, c): score
            for r in range(self.n)
            for j in range(self.n)
            for c, score in enumerate(self.scores[r][j])
            if score is not None
        }
        weights = dict(enumerate(self.weights))
        done = frozenset(i for i in range(self.n) if self.submitted[i])
        return TeamRatings(
            list(range(self.n)), done, ratings, weights, *self.scale, self.include_self
        )


def oracle_pairs(case: Case) -> list[list[Fraction | None]]:
    """mark[r][j]: only a submitter's, only when every criterion is scored."""
    table: list[list[Fraction | None]] = []
    for r in range(case.n):
        row: list[Fraction | None] = []
        for j in range(case.n):
            cell = case.scores[r][j]
            if not case.submitted[r] or None in cell:
                row.append(None)
                continue
            total = Fraction(0)
            for c in range(len(case.weights)):
                total = total + case.weights[c] * (cell[c] or 0)
            row.append(total)
        table.append(row)
    return table


def oracle_webpa(case: Case) -> list[Fraction]:
    table = oracle_pairs(case)
    given_totals = [sum(x for x in row if x is not None) for row in table]
    active = [r for r in range(case.n) if given_totals[r] > 0]
    if len(active) == 0:
        return [Fraction(1)] * case.n
    out = []
    for j in range(case.n):
        share = Fraction(0)
        for r in active:
            mark = table[r][j]
            if mark is not None:
                share += mark / given_totals[r]
        out.append(share * case.n / len(active))
    return out


def oracle_received(case: Case, normalise: bool) -> list[Fraction | None]:
    table = oracle_pairs(case)
    weight_sum = sum(case.weights)
    low, high = case.scale
    out: list[Fraction | None] = []
    for j in range(case.n):
        got: list[Fraction] = []
        for r in range(case.n):
            mark = table[r][j]
            if r != j and mark is not None:
                mean = mark / weight_sum
                got.append((mean - low) * 100 / (high - low) if normalise else mean)
        out.append(sum(got, Fraction(0)) / len(got) if got else None)
    return out


def oracle_relative(values: list[Fraction | None], low: Fraction, high: Fraction) -> list[Fraction]:
    present = [v for v in values if v is not None]
    team_mean = sum(present, Fraction(0)) / len(present) if present else Fraction(0)
    out: list[Fraction] = []
    for v in values:
        if v is None or team_mean == 0:
            out.append(Fraction(1))
        else:
            out.append(max(low, min(high, v / team_mean)))
    return out


def oracle_catme(case: Case) -> list[Fraction]:
    return oracle_relative(oracle_received(case, False), Fraction(0), Fraction("1.05"))


def oracle_gcf(case: Case) -> list[Fraction]:
    return oracle_relative(oracle_received(case, True), Fraction("0.85"), Fraction("1.5"))


WEIGHTS = st.sampled_from([Fraction(1), Fraction(2), Fraction(3, 2), Fraction(1, 8)])


@st.composite
def cases(draw: st.DrawFn, equal: bool = False) -> Case:
    n = draw(st.integers(1, 6))
    criteria = draw(st.integers(1, 3))
    low = draw(st.integers(0, 2))
    high = draw(st.integers(low + 1, low + 5))
    include_self = draw(st.booleans())
    weights = [draw(WEIGHTS) for _ in range(criteria)]
    score = st.integers(low, high)
    if equal:
        submitted = [True] * n
        same = [draw(score) for _ in range(criteria)]
    else:
        submitted = [draw(st.booleans()) for _ in range(n)]
    scores: list[list[list[int | None]]] = []
    for r in range(n):
        row: list[list[int | None]] = []
        for j in range(n):
            if r == j and not include_self:
                row.append([None] * criteria)
            elif equal:
                row.append(list(same))
            else:
                # Mostly complete; sometimes a missing pair or a missing criterion (a draft).
                row.append(
                    [
                        draw(st.one_of(score, st.none()) if draw(st.booleans()) else score)
                        for _ in range(criteria)
                    ]
                )
        scores.append(row)
    return Case(n, weights, (low, high), include_self, submitted, scores)


@settings(max_examples=300, deadline=None)
@given(cases())
def test_models_agree_with_the_oracle(case: Case) -> None:
    team = case.team()
    members = range(case.n)
    assert [webpa_factors(team)[i] for i in members] == oracle_webpa(case)
    assert [catme_factors(team)[i] for i in members] == oracle_catme(case)
    assert [gcf_factors(team)[i] for i in members] == oracle_gcf(case)


@settings(max_examples=200, deadline=None)
@given(cases(equal=True))
def test_equal_ratings_with_everyone_submitting_give_exactly_one(case: Case) -> None:
    for factors in team_factors(case.team(), "none").values():
        assert factors.webpa == factors.catme == factors.gcf == 1


POLICIES = st.sampled_from(
    [DEFAULT, GradePolicy(decimals=2), GradePolicy(decimals=0, pass_grade=Decimal("6"))]
)


@st.composite
def grades_within(draw: st.DrawFn, policy: GradePolicy) -> Fraction:
    low, high = Fraction(policy.min_grade), Fraction(policy.max_grade)
    step = draw(st.integers(0, 1000))
    return low + (high - low) * step / 1000


@settings(max_examples=200, deadline=None)
@given(
    cases(),
    POLICIES,
    st.data(),
    st.sampled_from(["none", "webpa", "catme", "gcf"]),
    st.fractions(0, 1, max_denominator=20),
    st.fractions(0, 5, max_denominator=4),
)
def test_cap_never_lets_a_non_submitter_gain_and_grades_stay_in_bounds(
    case: Case,
    policy: GradePolicy,
    data: st.DataObject,
    model: str,
    w: Fraction,
    penalty: Fraction,
) -> None:
    team = case.team()
    g = {i: data.draw(grades_within(policy)) for i in range(case.n)}
    low, high = policy.min_grade, policy.max_grade
    for rule in ("cap", "none"):
        setting = CorrectionSettings(model, w, rule, penalty)  # type: ignore[arg-type]
        for row in correct_team(team, setting, g, policy):
            assert row.grade is not None
            assert low <= row.grade <= high
            uncorrected = corrected_grade(
                g[row.student], Fraction(1), submitted=True, settings=NONE, policy=policy
            )
            if rule == "cap" and not row.submitted:
                assert row.factors.webpa <= 1
                assert row.factors.catme <= 1
                assert row.factors.gcf <= 1
                assert row.grade <= uncorrected
