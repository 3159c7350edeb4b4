"""Flags: what a teacher should look at before choosing a model and publishing. Pure.

Every flag reads the same **counted** ratings as the models (``TeamRatings.marks``: a rater
who submitted, a ratee scored on every criterion), so a flag never disagrees with the factor
it sits next to. The flags, in the order they are listed:

- ``did_not_submit``: the student did not submit their ratings;
- ``few_peer_ratings``: fewer than ``min_peer_raters`` (2) teammates rated them: *raters* are
  counted, not criteria, and never the student themselves. In a team of two this is always
  set: the factor then rests on one opinion, which is what the teacher should know;
- ``self_above_peers`` / ``self_below_peers``: their self-rating ÷ their peers' mean rating
  (both weighted means over the criteria) is above ``self_high`` (1.3) or below ``self_low``
  (0.7). Needs a counted self-rating and at least one peer rating; when the peers' mean is 0
  a positive self-rating counts as above, and 0 against 0 as agreement;
- ``low_factor``: the chosen model's factor is below ``low_factor`` (0.8); never under ``none``
  (its factor is 1);
- ``flat_rater``: they rated at least two teammates and gave each of them the same score on
  every criterion (criteria may differ from each other). The self-rating does not count: how a
  student rates themselves is what the self flags are for, and a rater who lifts only
  themselves still told the teammates apart from nobody;
- ``outlier``: the chosen factor is at least ``outlier_z`` (2) population standard deviations
  from the mean factor of all students of the project. Compared as ``(f - mean)² >= z² · var``,
  so it stays exact (no square root); a variance of 0 flags no one.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import TypeVar

from teameval.peer.corrections import TeamRatings

S = TypeVar("S", bound=Hashable)
C = TypeVar("C", bound=Hashable)


class Flag(StrEnum):
    DID_NOT_SUBMIT = "did_not_submit"
    FEW_PEER_RATINGS = "few_peer_ratings"
    SELF_ABOVE_PEERS = "self_above_peers"
    SELF_BELOW_PEERS = "self_below_peers"
    LOW_FACTOR = "low_factor"
    FLAT_RATER = "flat_rater"
    OUTLIER = "outlier"


ORDER = tuple(Flag)


@dataclass(frozen=True)
class FlagThresholds:
    """The configurable thresholds, with the issue's defaults."""

    min_peer_raters: int = 2
    self_high: Fraction = Fraction(13, 10)
    self_low: Fraction = Fraction(7, 10)
    low_factor: Fraction = Fraction(4, 5)
    outlier_z: Fraction = Fraction(2)

    def __post_init__(self) -> None:
        if self.min_peer_raters < 0:
            raise ValueError("min_peer_raters must be at least 0")
        if not 0 <= self.self_low <= 1 <= self.self_high:
            raise ValueError("need 0 <= self_low <= 1 <= self_high")
        if self.low_factor < 0 or self.outlier_z <= 0:
            raise ValueError("low_factor must be >= 0 and outlier_z > 0")


def outliers(factors: Mapping[S, Fraction], z: Fraction = Fraction(2)) -> set[S]:
    """The students whose factor is at least z population standard deviations from the mean."""
    if not factors:
        return set()
    count = len(factors)
    mean = sum(factors.values(), Fraction(0)) / count
    variance = sum(((f - mean) ** 2 for f in factors.values()), Fraction(0)) / count
    if variance == 0:
        return set()
    return {s for s, f in factors.items() if (f - mean) ** 2 >= z * z * variance}


def _flat_raters(team: TeamRatings[S, C]) -> set[S]:
    """Raters who gave every teammate they rated (at least two) the same score per criterion."""
    marks = team.marks()
    flat: set[S] = set()
    for rater in team.members:
        peers = [j for j in team.members if j != rater and (rater, j) in marks]
        if len(peers) < 2:
            continue
        if all(len({team.ratings[(rater, j, c)] for j in peers}) == 1 for c in team.weights):
            flat.add(rater)
    return flat


def _self_flag(self_mean: Fraction, peers_mean: Fraction, limits: FlagThresholds) -> Flag | None:
    if peers_mean == 0:
        return Flag.SELF_ABOVE_PEERS if self_mean > 0 else None
    ratio = self_mean / peers_mean
    if ratio > limits.self_high:
        return Flag.SELF_ABOVE_PEERS
    if ratio < limits.self_low:
        return Flag.SELF_BELOW_PEERS
    return None


def team_flags(
    team: TeamRatings[S, C],
    factors: Mapping[S, Fraction] | None,
    limits: FlagThresholds = FlagThresholds(),
) -> dict[S, set[Flag]]:
    """Every flag but ``outlier`` for each member. ``factors``: the chosen model's factor per
    member, None under model ``none`` (no low-factor flag)."""
    marks = team.marks()
    total = team.total_weight
    peer_means = team.peer_means()
    flat = _flat_raters(team)
    result: dict[S, set[Flag]] = {}
    for j in team.members:
        flags: set[Flag] = set()
        if j not in team.submitted:
            flags.add(Flag.DID_NOT_SUBMIT)
        received = peer_means[j]
        if len(received) < limits.min_peer_raters:
            flags.add(Flag.FEW_PEER_RATINGS)
        if (j, j) in marks and received:
            peers_mean = sum(received.values(), Fraction(0)) / len(received)
            self_flag = _self_flag(marks[(j, j)] / total, peers_mean, limits)
            if self_flag is not None:
                flags.add(self_flag)
        if factors is not None and factors[j] < limits.low_factor:
            flags.add(Flag.LOW_FACTOR)
        if j in flat:
            flags.add(Flag.FLAT_RATER)
        result[j] = flags
    return result


def project_flags(
    teams: Iterable[TeamRatings[S, C]],
    factors: Mapping[S, Fraction] | None,
    limits: FlagThresholds = FlagThresholds(),
) -> dict[S, list[Flag]]:
    """Every flag for every student of a project's team versions, in ``ORDER``. ``factors``
    covers all of them (the outlier flag compares across the whole project); None for ``none``.
    """
    per_student: dict[S, set[Flag]] = {}
    for team in teams:
        for student, flags in team_flags(team, factors, limits).items():
            if student in per_student:
                raise ValueError(f"{student!r} is in two team versions of the project")
            per_student[student] = flags
    if factors is not None:
        chosen = {s: factors[s] for s in per_student}
        for student in outliers(chosen, limits.outlier_z):
            per_student[student].add(Flag.OUTLIER)
    return {s: [flag for flag in ORDER if flag in flags] for s, flags in per_student.items()}
