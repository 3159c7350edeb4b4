"""Flags: each one on a hand-made team (and at its threshold), configurable thresholds, the
outlier rule against ``statistics`` (exact on fractions), and the project-wide assembly."""

from __future__ import annotations

import statistics
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from teameval.peer.corrections import TeamRatings, webpa_factors
from teameval.peer.flags import Flag, FlagThresholds, outliers, project_flags, team_flags

WEIGHTS = {"org": 1, "work": 2}


def team(
    given_scores: dict[tuple[str, str], tuple[int, int]],
    submitted: str,
    members: str = "abcd",
    include_self: bool = True,
) -> TeamRatings[str, str]:
    """``given_scores[(rater, ratee)] = (org, work)`` on a 1..5 scale."""
    ratings = {}
    for (rater, ratee), (org, work) in given_scores.items():
        ratings[(rater, ratee, "org")] = org
        ratings[(rater, ratee, "work")] = work
    return TeamRatings(list(members), frozenset(submitted), ratings, WEIGHTS, 1, 5, include_self)


def everyone(
    rater: str, score: int, members: str = "abcd"
) -> dict[tuple[str, str], tuple[int, int]]:
    return {(rater, j): (score, score) for j in members}


def test_did_not_submit_and_few_peer_ratings_count_raters() -> None:
    # Only a submits; b, c, d each get one peer rater (with two criteria: still one rater).
    flags = team_flags(team(everyone("a", 4) | everyone("b", 2), "a"), None)
    assert flags["a"] == {Flag.FEW_PEER_RATINGS, Flag.FLAT_RATER}  # b's ratings: a draft
    assert flags["b"] == {Flag.DID_NOT_SUBMIT, Flag.FEW_PEER_RATINGS}
    both = team(everyone("a", 4) | everyone("b", 3), "ab")
    flags = team_flags(both, None)
    assert Flag.FEW_PEER_RATINGS in flags["a"]  # only b rated a (a's self-rating is not a peer's)
    assert Flag.FEW_PEER_RATINGS not in flags["c"]  # a and b rated c
    relaxed = team_flags(both, None, FlagThresholds(min_peer_raters=1))
    assert Flag.FEW_PEER_RATINGS not in relaxed["a"]


def test_self_rating_against_the_peers() -> None:
    # Peers rate a with (3, 3); a rates themselves (4, 4): 4/3 > 1.3. d: self 2 vs 3: 0.67 < 0.7.
    scores = {("b", "a"): (3, 3), ("c", "a"): (3, 3), ("a", "a"): (4, 4)}
    scores |= {("b", "d"): (3, 3), ("c", "d"): (3, 3), ("d", "d"): (2, 2)}
    # c: self (4, 3) weighted 10/3 against peers' 3 (weighted by 1 and 2): 10/9, no flag.
    scores |= {("a", "c"): (3, 3), ("b", "c"): (3, 3), ("c", "c"): (4, 3)}
    flags = team_flags(team(scores, "abcd"), None)
    assert Flag.SELF_ABOVE_PEERS in flags["a"]
    assert Flag.SELF_BELOW_PEERS in flags["d"]
    assert not flags["c"] & {Flag.SELF_ABOVE_PEERS, Flag.SELF_BELOW_PEERS}
    # b rated no one as self and got no peer ratings: no self flag either way.
    assert not flags["b"] & {Flag.SELF_ABOVE_PEERS, Flag.SELF_BELOW_PEERS}
    looser = team_flags(team(scores, "abcd"), None, FlagThresholds(self_high=Fraction(3, 2)))
    assert Flag.SELF_ABOVE_PEERS not in looser["a"]


def test_self_ratio_thresholds_are_strict() -> None:
    for self_score in (13, 7):  # against peers' 10: exactly 1.3 and exactly 0.7
        ratings = {("a", "a", "org"): self_score, ("b", "a", "org"): 10}
        wide = TeamRatings(["a", "b"], frozenset("ab"), ratings, {"org": 1}, 0, 20, True)
        flags = team_flags(wide, None)["a"]
        assert not flags & {Flag.SELF_ABOVE_PEERS, Flag.SELF_BELOW_PEERS}


def test_self_rating_against_peers_at_zero() -> None:
    ratings = {("a", "a", "org"): 1, ("b", "a", "org"): 0, ("b", "b", "org"): 0}
    ratings |= {("a", "b", "org"): 0}
    zero = TeamRatings(["a", "b"], frozenset("ab"), ratings, {"org": 1}, 0, 5, True)
    flags = team_flags(zero, None)
    assert Flag.SELF_ABOVE_PEERS in flags["a"]  # 1 against 0
    assert not flags["b"] & {Flag.SELF_ABOVE_PEERS, Flag.SELF_BELOW_PEERS}  # 0 against 0


def test_low_factor_of_the_chosen_model() -> None:
    scores = everyone("a", 4) | everyone("b", 4) | everyone("c", 4)
    scores |= {("a", "d"): (1, 1), ("b", "d"): (1, 1), ("c", "d"): (1, 1)}
    ratings = team(scores, "abc")
    factors = webpa_factors(ratings)
    assert factors["d"] < Fraction(4, 5) < factors["a"]
    flags = team_flags(ratings, factors)
    assert Flag.LOW_FACTOR in flags["d"]
    assert Flag.LOW_FACTOR not in flags["a"]
    assert Flag.LOW_FACTOR not in team_flags(ratings, None)["d"]  # model none
    assert (
        Flag.LOW_FACTOR in team_flags(ratings, factors, FlagThresholds(low_factor=Fraction(2)))["a"]
    )


def test_flat_rater_ignores_the_self_rating_and_needs_two_teammates() -> None:
    scores = {("a", j): (3, 4) for j in "bcd"} | {("a", "a"): (5, 5)}  # same per criterion
    scores |= {("b", "a"): (3, 3), ("b", "c"): (3, 3), ("b", "d"): (4, 3)}  # told d apart
    scores |= {("c", "d"): (2, 2)}  # only one teammate rated: not enough to call flat
    scores |= {("d", j): (3, 3) for j in "abc"}  # flat, but d did not submit: a draft
    flags = team_flags(team(scores, "abc"), None)
    assert Flag.FLAT_RATER in flags["a"]
    assert Flag.FLAT_RATER not in flags["b"]
    assert Flag.FLAT_RATER not in flags["c"]
    assert Flag.FLAT_RATER not in flags["d"]
    # In a team of two nobody can be a flat rater.
    pair = team({("a", "b"): (3, 3), ("b", "a"): (3, 3)}, "ab", members="ab")
    assert not any(Flag.FLAT_RATER in f for f in team_flags(pair, None).values())


def test_outliers_at_exactly_two_standard_deviations() -> None:
    # [1, 1, 1, 1, 2]: mean 6/5, population sd 2/5; 2 is (4/5) / (2/5) = exactly 2 sd away.
    five = {"a": Fraction(1), "b": Fraction(1), "c": Fraction(1), "d": Fraction(1)}
    assert outliers(five | {"e": Fraction(2)}) == {"e"}
    # [1, 1, 1, 2]: 2 is 3/4 / (sqrt(3)/4) = 1.73 sd away: no outlier.
    assert (
        outliers({"a": Fraction(1), "b": Fraction(1), "c": Fraction(1), "e": Fraction(2)}) == set()
    )
    assert outliers(five) == set()  # sd 0
    assert outliers({}) == set()
    assert outliers(five | {"e": Fraction(2)}, z=Fraction(5, 2)) == set()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fractions(0, 3, max_denominator=12), min_size=1, max_size=30))
def test_outliers_agree_with_statistics(values: list[Fraction]) -> None:
    factors = dict(enumerate(values))
    mean = statistics.mean(values)  # exact on Fractions
    variance = statistics.pvariance(values)
    expected = set()
    if variance != 0:
        for i, v in enumerate(values):
            if (v - mean) * (v - mean) / variance >= 4:
                expected.add(i)
    assert outliers(factors) == expected


def test_project_flags_across_teams() -> None:
    scores = everyone("a", 4) | everyone("b", 4) | everyone("c", 4) | everyone("d", 4)
    first = team(scores, "abcd")
    second = team({}, "", members="efgh")  # nobody submitted
    factors = {s: Fraction(1) for s in "abcdefg"} | {"h": Fraction(0)}
    flags = project_flags([first, second], factors)
    # a..d rated everyone the same: flat raters, nothing else.
    assert flags["a"] == [Flag.FLAT_RATER]
    # 8 factors, seven 1s and one 0: h is sqrt(7) = 2.65 sd below the mean.
    assert flags["h"] == [
        Flag.DID_NOT_SUBMIT,
        Flag.FEW_PEER_RATINGS,
        Flag.LOW_FACTOR,
        Flag.OUTLIER,
    ]
    assert flags["e"] == [Flag.DID_NOT_SUBMIT, Flag.FEW_PEER_RATINGS]
    assert [str(f) for f in flags["h"]] == [
        "did_not_submit",
        "few_peer_ratings",
        "low_factor",
        "outlier",
    ]
    assert Flag.OUTLIER not in project_flags([first, second], None)["h"]
    with pytest.raises(ValueError, match="two team versions"):
        project_flags([first, first], factors)


@pytest.mark.parametrize(
    "values",
    [
        {"min_peer_raters": -1},
        {"self_high": Fraction(9, 10)},
        {"self_low": Fraction(11, 10)},
        {"low_factor": Fraction(-1)},
        {"outlier_z": Fraction(0)},
    ],
)
def test_bad_thresholds_are_refused(values: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        FlagThresholds(**values)  # type: ignore[arg-type]
