"""The correction models on published worked examples, half-up rounding of factors and
grades, the penalty and clamp, and refused input. The oracle and the properties (hypothesis):
``test_corrections_oracle.py``."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from teameval.assessments.grading import GradePolicy
from teameval.peer.corrections import (
    CorrectionSettings,
    TeamRatings,
    catme_factors,
    correct_team,
    corrected_grade,
    factor_text,
    gcf_factors,
    team_factors,
    webpa_factors,
)

DEFAULT = GradePolicy()


# --- the published examples ------------------------------------------------------------------

WEBPA_NAMES = ["Alice", "Bob", "Claire", "David", "Elaine"]
WEBPA_ROWS = {  # rater -> marks given to Alice, Bob, Claire, David, Elaine (self included)
    "Alice": [4, 4, 3, 2, 1],
    "Bob": [3, 5, 3, 2, 0],
    "Claire": [4, 4, 4, 4, 4],
    "David": [3, 5, 4, 3, 1],
}


def webpa_page_team() -> TeamRatings[str, str]:
    ratings = {
        (rater, ratee, "q"): score
        for rater, row in WEBPA_ROWS.items()
        for ratee, score in zip(WEBPA_NAMES, row, strict=True)
    }
    return TeamRatings(WEBPA_NAMES, frozenset(WEBPA_ROWS), ratings, {"q": 1}, 0, 5, True)


def test_webpa_published_worked_example() -> None:
    """WebPA's own worked example: "A Worked Example of the Scoring Algorithm",
    https://webpaproject.lboro.ac.uk/academic-guidance/a-worked-example-of-the-scoring-algorithm/
    (n = 5, one question, self-assessment included, Elaine did not submit: her row is dashes).

    Taken from the page: the marks matrix (Alice 4 4 3 2 1 = 14, Bob 3 5 3 2 0 = 13, Claire
    4 4 4 4 4 = 20, David 3 5 4 3 1 = 16; received 14 18 14 11 6), the row totals and the
    steps: each mark divided by its rater's total (Alice gave Bob 4/14 = 0.29, ...), the
    fractions each student received summed, then multiplied by the non-submission "fudge
    factor" n / k = 5/4. The part of the page we could retrieve ends in those steps, so the
    figures asserted below were worked out by hand from them with fractions (and agree with
    the page's 2-decimal rounding): F = 0.90, 1.18, 0.90, 0.68, 0.33; W = 1.13, 1.48, 1.12,
    0.86, 0.42.
    """
    team = webpa_page_team()
    f_alice = Fraction(4, 14) + Fraction(3, 13) + Fraction(4, 20) + Fraction(3, 16)
    f_elaine = Fraction(1, 14) + Fraction(0, 13) + Fraction(4, 20) + Fraction(1, 16)
    factors = webpa_factors(team)
    assert factors["Alice"] == f_alice * Fraction(5, 4) == Fraction(6581, 5824)
    assert factors["Elaine"] == f_elaine * Fraction(5, 4) == Fraction(187, 448)
    assert {s: factor_text(f) for s, f in factors.items()} == {
        "Alice": "1.1300",
        "Bob": "1.4785",
        "Claire": "1.1188",
        "David": "0.8553",
        "Elaine": "0.4174",
    }
    # The page rounds to 2 decimals for readability.
    assert [round(float(factors[s]), 2) for s in WEBPA_NAMES] == [1.13, 1.48, 1.12, 0.86, 0.42]
    assert sum(factors.values()) == 5  # the fudge factor restores a mean of 1
    # Under non_submitter = none the table is WebPA's; the cap changes nothing here because
    # Elaine's factor is already below 1.
    for rule in ("none", "cap"):
        assert team_factors(team, rule)["Elaine"].webpa == Fraction(187, 448)


def test_catme_and_gcf_on_the_webpa_example() -> None:
    """The same matrix, peers only (self-ratings leave both models). Received peer means:
    Alice (3+4+3)/3 = 10/3, Bob 13/3, Claire 10/3, David 8/3, Elaine (1+0+4+1)/4 = 3/2; team
    mean 91/30. On 0-100: 200/3, 260/3, 200/3, 160/3, 30; team mean 182/3."""
    team = webpa_page_team()
    catme = catme_factors(team)
    assert catme == {
        "Alice": Fraction(21, 20),  # 100/91 = 1.0989 capped at 1.05
        "Bob": Fraction(21, 20),  # 130/91
        "Claire": Fraction(21, 20),
        "David": Fraction(80, 91),
        "Elaine": Fraction(45, 91),
    }
    gcf = gcf_factors(team)
    assert gcf == {
        "Alice": Fraction(100, 91),
        "Bob": Fraction(10, 7),
        "Claire": Fraction(100, 91),
        "David": Fraction(80, 91),
        "Elaine": Fraction(17, 20),  # 45/91 = 0.4945 clamped up to 0.85
    }


PEERWORK_ROWS = {  # no self-assessment; rater -> {ratee: score}
    "A": {"B": 4, "C": 3, "D": 2, "E": 1},
    "B": {"A": 3, "C": 3, "D": 2, "E": 0},
    "C": {"A": 4, "B": 4, "D": 4, "E": 4},
    "D": {"A": 3, "B": 5, "C": 4, "E": 1},
    "E": {"A": 5, "B": 0, "C": 1, "D": 4},
}


@pytest.mark.parametrize(
    ("submitters", "expected"),
    [
        ("ABCDE", {"A": "1.3558", "B": "1.0346", "C": "1.0827", "D": "1.1000", "E": "0.4269"}),
        ("ABCD", {"A": "1.0697", "B": "1.2933", "C": "1.2284", "D": "0.8750", "E": "0.5337"}),
    ],
)
def test_webpa_non_response_example(submitters: str, expected: dict[str, str]) -> None:
    """The examples of https://github.com/amandadoughty/moodle-mod_peerwork/issues/15 (cited
    by WebPA's open issue #114): everyone responds, PA scores 1.356, 1.035, 1.083, 1.100, 0.427;
    then E does not respond and E's score rises to 0.534 under the fudge factor 5/4."""
    ratings = {(r, j, "q"): s for r, row in PEERWORK_ROWS.items() for j, s in row.items()}
    team = TeamRatings(list("ABCDE"), frozenset(submitters), ratings, {"q": 1}, 0, 5, False)
    assert {s: factor_text(f) for s, f in webpa_factors(team).items()} == expected
    # The cap keeps E (0.53 < 1) where it is: it stops a gain over the team grade, not this one.
    assert team_factors(team, "cap")["E"].webpa == webpa_factors(team)["E"]


def test_webpa_example_grades() -> None:
    """Team grade 7.0, w = 1/2: G * (1/2 + f/2), rounded half up to 1 decimal."""
    team = webpa_page_team()
    rows = correct_team(
        team, CorrectionSettings("webpa"), dict.fromkeys(WEBPA_NAMES, Fraction(7)), DEFAULT
    )
    assert [str(row.grade) for row in rows] == ["7.5", "8.7", "7.4", "6.5", "5.0"]
    assert rows[4].to_dict() == {
        "submitted": False,
        "webpa": "0.4174",
        "catme": "0.4945",
        "gcf": "0.8500",
        "model": "webpa",
        "factor": "0.4174",
        "grade": "5.0",
    }


# --- grades and rounding ---------------------------------------------------------------------


def test_factor_text_rounds_half_up_at_the_fourth_decimal() -> None:
    assert factor_text(Fraction("1.00005")) == "1.0001"
    assert factor_text(Fraction("0.99995")) == "1.0000"
    assert factor_text(Fraction("1.00005") - Fraction(1, 10**9)) == "1.0000"
    assert factor_text(Fraction(2, 3)) == "0.6667"
    assert factor_text(Fraction(1)) == "1.0000"
    assert factor_text(Fraction(3, 2)) == "1.5000"


NONE = CorrectionSettings("none")
WEBPA = CorrectionSettings("webpa")


def grade_of(
    g: Fraction,
    factor: Fraction,
    setting: CorrectionSettings,
    policy: GradePolicy = DEFAULT,
    submitted: bool = True,
) -> str:
    value = corrected_grade(g, factor, submitted=submitted, settings=setting, policy=policy)
    return str(value)


def test_grade_rounds_half_up_once_at_the_policy_decimals() -> None:
    # 5.8 * (1/2 + 1/2 * 1/2) = 4.35 exactly: half up gives 4.4 (float round() gives 4.3).
    assert grade_of(Fraction("5.8"), Fraction(1, 2), WEBPA) == "4.4"
    # 2 decimals: 7.125 * 1 -> 7.13; 0 decimals: 6.5 -> 7.
    assert grade_of(Fraction("7.125"), Fraction(1), WEBPA, GradePolicy(decimals=2)) == "7.13"
    whole = GradePolicy(decimals=0, pass_grade=Decimal("6"))
    assert grade_of(Fraction("6.5"), Fraction(1), WEBPA, whole) == "7"


def test_penalty_clamp_and_model_none() -> None:
    setting = CorrectionSettings("gcf", Fraction(1), "none", Fraction(2))
    # Only a non-submitter pays the penalty; the result is clamped to [1.0, 10.0].
    assert grade_of(Fraction(6), Fraction(1), setting) == "6.0"
    assert grade_of(Fraction(6), Fraction(1), setting, submitted=False) == "4.0"
    assert grade_of(Fraction(9), Fraction(3, 2), setting) == "10.0"
    # 13.5 - 2 is still above 10; 1.7 - 2 is clamped up to 1.
    assert grade_of(Fraction(9), Fraction(3, 2), setting, submitted=False) == "10.0"
    assert grade_of(Fraction(2), Fraction(17, 20), setting, submitted=False) == "1.0"
    # none leaves G as it is: no factor, no penalty; still rounded half up.
    none = CorrectionSettings("none", penalty=Fraction(2))
    assert grade_of(Fraction("6.45"), Fraction(1, 10), none, submitted=False) == "6.5"


def test_missing_team_grade_still_reports_factors() -> None:
    rows = correct_team(webpa_page_team(), CorrectionSettings("catme"), {}, DEFAULT)
    assert [row.grade for row in rows] == [None] * 5
    assert rows[3].factor == Fraction(80, 91)


def test_drafts_and_incomplete_pairs_do_not_count() -> None:
    weights = {"a": 1, "b": 1}
    ratings = {
        (1, 2, "a"): 5,
        (1, 2, "b"): 5,  # complete
        (1, 3, "a"): 1,  # incomplete: left out
        (2, 1, "a"): 1,
        (2, 1, "b"): 1,  # 2 did not submit: a draft
        (3, 1, "a"): 3,
        (3, 1, "b"): 3,
        (3, 2, "a"): 3,
        (3, 2, "b"): 3,
    }
    team = TeamRatings([1, 2, 3], frozenset({1, 3}), ratings, weights, 1, 5, False)
    assert team.marks() == {(1, 2): 10, (3, 1): 6, (3, 2): 6}
    # 3 received nothing: catme and gcf give 1; webpa gives 0 (no one rated them).
    assert catme_factors(team)[3] == gcf_factors(team)[3] == 1
    assert webpa_factors(team)[3] == 0


@pytest.mark.parametrize(
    "change",
    [
        {"members": [1, 1]},
        {"submitted": frozenset({9})},
        {"ratings": {(1, 9, "a"): 3}},
        {"ratings": {(1, 1, "a"): 3}},
        {"ratings": {(1, 2, "z"): 3}},
        {"ratings": {(1, 2, "a"): 6}},
        {"weights": {"a": 0}},
        {"weights": {"a": -1, "b": 2}},
        {"scale_min": 5},
    ],
)
def test_bad_input_is_refused(change: dict[str, object]) -> None:
    values: dict[str, object] = {
        "members": [1, 2],
        "submitted": frozenset({1}),
        "ratings": {},
        "weights": {"a": 1},
        "scale_min": 1,
        "scale_max": 5,
        "include_self": False,
    }
    values.update(change)
    with pytest.raises(ValueError):
        TeamRatings(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "values",
    [
        {"model": "median"},
        {"weighting": Fraction(3, 2)},
        {"weighting": Fraction(-1)},
        {"non_submitter": "boost"},
        {"penalty": Fraction(-1)},
    ],
)
def test_bad_settings_are_refused(values: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        CorrectionSettings(**values)  # type: ignore[arg-type]
