"""Correction models: from one team version's peer ratings to a factor per student, and from
the team grade to each student's individual grade. Pure: no database, no floats.

A team version has ``n`` members, ``k`` of whom submitted. Only **counted** ratings enter any
model: those of a rater who submitted (a non-submitter's drafts are not an opinion they gave),
for a ratee they scored on *every* criterion (a pair missing a criterion cannot be weighed
against complete ones; the submit endpoint requires complete pairs, so this only drops drafts).

- mark ``m(r→j) = Σ_c w_c · s(r→j, c)``; ``A_r = Σ_j m(r→j)`` over everyone r rated;
- **webpa**: ``F_j = Σ_r m(r→j) / A_r`` over raters with ``A_r > 0``; ``W_j = F_j · n / k``
  where k counts those raters (a submitter who gave only zeros distributed nothing, so dividing
  by them would push every factor below 1); 1 for everyone when k = 0;
- **catme**: ``R_j`` = mean over j's peer raters of the weighted mean ``μ(r→j) = m(r→j)/Σ w``;
  factor ``min(R_j / mean(R), 1.05)``, the team mean over students who received a peer rating;
- **gcf**: ``N_j`` = mean over j's peer raters of ``(μ(r→j) - min)/(max - min) · 100``; factor
  ``clamp(N_j / mean(N), 0.85, 1.5)``;
- catme and gcf give **1** to a student who received no peer rating, and to everyone when the
  team mean is 0 (all ratings at the scale's bottom: there is nothing to tell them apart by).

``non_submitter = "cap"`` caps a non-submitter's factor at 1 under **every** model, not only
WebPA: it is a setting of the evaluation, and the teacher compares the models side by side with
it (WebPA is where it matters: there not responding always raises your factor).

The individual grade is ``clamp(G · (1 - w + w · f) - penalty, min_grade, max_grade)``, the
penalty only for a non-submitter, rounded half up once to the policy's decimals. Model
``none`` leaves G as it is: no factor and no penalty, only the same clamp and rounding.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Generic, Literal, TypeVar

from teameval.assessments.grading import GradePolicy, exact, round_half_up

S = TypeVar("S", bound=Hashable)  # a student id
C = TypeVar("C", bound=Hashable)  # a criterion id

Model = Literal["none", "webpa", "catme", "gcf"]
NonSubmitter = Literal["cap", "none"]
MODELS: tuple[Model, ...] = ("none", "webpa", "catme", "gcf")
NON_SUBMITTER_RULES: tuple[NonSubmitter, ...] = ("cap", "none")

CATME_CAP = Fraction(105, 100)
GCF_LOW = Fraction(85, 100)
GCF_HIGH = Fraction(3, 2)
DEFAULT_WEIGHTING = Fraction(1, 2)
FACTOR_DECIMALS = 4


def factor_text(value: Fraction) -> str:
    """A factor as the API reports it: 4 decimals, half up (``Fraction(2, 3)`` → ``"0.6667"``)."""
    return str(round_half_up(value, FACTOR_DECIMALS))


@dataclass(frozen=True)
class TeamRatings(Generic[S, C]):
    """One team version's ratings: ``ratings[(rater, ratee, criterion)] = score``.

    Checked when made (``ValueError``): members unique; submitters, raters and ratees are
    members; a self-rating only with ``include_self``; a rated criterion has a weight; weights
    are >= 0 with a positive total (rubric weights are > 0; 0 would simply not count); scores
    within ``scale_min..scale_max``.
    """

    members: Sequence[S]
    submitted: frozenset[S]
    ratings: Mapping[tuple[S, S, C], int]
    weights: Mapping[C, Decimal | Fraction | int]
    scale_min: int
    scale_max: int
    include_self: bool
    _weights: dict[C, Fraction] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        member_set = set(self.members)
        if len(member_set) != len(self.members):
            raise ValueError("members must be unique")
        if not self.submitted <= member_set:
            raise ValueError("every submitter must be a member")
        if not self.scale_min < self.scale_max:
            raise ValueError("scale_max must be above scale_min")
        weights = {criterion: exact(weight) for criterion, weight in self.weights.items()}
        if any(weight < 0 for weight in weights.values()) or sum(weights.values()) <= 0:
            raise ValueError("criterion weights must be >= 0 with a positive total")
        object.__setattr__(self, "_weights", weights)
        for (rater, ratee, criterion), score in self.ratings.items():
            if rater not in member_set or ratee not in member_set:
                raise ValueError(f"rating {rater!r} -> {ratee!r}: both must be members")
            if rater == ratee and not self.include_self:
                raise ValueError(f"self-rating by {rater!r} without include_self")
            if criterion not in weights:
                raise ValueError(f"rating of unknown criterion {criterion!r}")
            if type(score) is not int or not self.scale_min <= score <= self.scale_max:
                raise ValueError(f"score {score!r} outside {self.scale_min}..{self.scale_max}")

    @property
    def n(self) -> int:
        return len(self.members)

    @property
    def total_weight(self) -> Fraction:
        return sum(self._weights.values(), Fraction(0))

    def marks(self) -> dict[tuple[S, S], Fraction]:
        """``m(r→j)`` for every counted pair (submitted rater, every criterion scored)."""
        result: dict[tuple[S, S], Fraction] = {}
        for rater in self.members:
            if rater not in self.submitted:
                continue
            for ratee in self.members:
                keys = [(rater, ratee, criterion) for criterion in self._weights]
                if not all(key in self.ratings for key in keys):
                    continue
                result[(rater, ratee)] = sum(
                    (self._weights[key[2]] * self.ratings[key] for key in keys), Fraction(0)
                )
        return result

    def peer_means(self) -> dict[S, dict[S, Fraction]]:
        """``μ(r→j)`` (weighted mean over criteria) by ratee, then by peer rater (no self)."""
        total = self.total_weight
        received: dict[S, dict[S, Fraction]] = {j: {} for j in self.members}
        for (rater, ratee), mark in self.marks().items():
            if rater != ratee:
                received[ratee][rater] = mark / total
        return received


def webpa_factors(team: TeamRatings[S, C]) -> dict[S, Fraction]:
    """WebPA's ``W_j`` before any non-submitter rule."""
    marks = team.marks()
    awarded: dict[S, Fraction] = {}
    for (rater, _ratee), mark in marks.items():
        awarded[rater] = awarded.get(rater, Fraction(0)) + mark
    raters = {rater for rater, total in awarded.items() if total > 0}
    if not raters:
        return dict.fromkeys(team.members, Fraction(1))
    received = dict.fromkeys(team.members, Fraction(0))
    for (rater, ratee), mark in marks.items():
        if rater in raters:
            received[ratee] += mark / awarded[rater]
    return {j: received[j] * team.n / len(raters) for j in team.members}


def _relative(values: dict[S, Fraction | None], members: Sequence[S]) -> dict[S, Fraction]:
    """Each value divided by the mean of the known values; 1 where unknown or the mean is 0."""
    known = [value for value in values.values() if value is not None]
    mean = sum(known, Fraction(0)) / len(known) if known else Fraction(0)
    result: dict[S, Fraction] = {}
    for j in members:
        value = values[j]
        result[j] = Fraction(1) if value is None or mean == 0 else value / mean
    return result


def catme_factors(team: TeamRatings[S, C]) -> dict[S, Fraction]:
    """CATME-style: mean received peer rating over the team's mean, capped at 1.05."""
    means: dict[S, Fraction | None] = {}
    for j, by_rater in team.peer_means().items():
        means[j] = sum(by_rater.values(), Fraction(0)) / len(by_rater) if by_rater else None
    return {j: min(f, CATME_CAP) for j, f in _relative(means, team.members).items()}


def gcf_factors(team: TeamRatings[S, C]) -> dict[S, Fraction]:
    """The seed platform's GCF: received peer rating on 0-100 over the team's mean, clamped."""
    span = team.scale_max - team.scale_min
    normalised: dict[S, Fraction | None] = {}
    for j, by_rater in team.peer_means().items():
        if not by_rater:
            normalised[j] = None
            continue
        points = [(mu - team.scale_min) / span * 100 for mu in by_rater.values()]
        normalised[j] = sum(points, Fraction(0)) / len(points)
    return {
        j: min(max(f, GCF_LOW), GCF_HIGH) for j, f in _relative(normalised, team.members).items()
    }


@dataclass(frozen=True)
class Factors:
    """One student's factor under each model, after the non-submitter rule."""

    webpa: Fraction
    catme: Fraction
    gcf: Fraction

    def of(self, model: Model) -> Fraction:
        if model == "webpa":
            return self.webpa
        if model == "catme":
            return self.catme
        return self.gcf if model == "gcf" else Fraction(1)

    def to_dict(self) -> dict[str, str]:
        return {m: factor_text(self.of(m)) for m in ("webpa", "catme", "gcf")}


def team_factors(team: TeamRatings[S, C], non_submitter: NonSubmitter) -> dict[S, Factors]:
    """Every model's factor for every member; ``cap`` limits a non-submitter's to 1."""
    if non_submitter not in NON_SUBMITTER_RULES:
        raise ValueError(f"non_submitter must be one of {NON_SUBMITTER_RULES}")
    per_model = (webpa_factors(team), catme_factors(team), gcf_factors(team))
    result: dict[S, Factors] = {}
    for j in team.members:
        values = [factors[j] for factors in per_model]
        if non_submitter == "cap" and j not in team.submitted:
            values = [min(value, Fraction(1)) for value in values]
        result[j] = Factors(*values)
    return result


@dataclass(frozen=True)
class CorrectionSettings:
    """The evaluation's correction setting (checked when made, ``ValueError``)."""

    model: Model = "webpa"
    weighting: Fraction = DEFAULT_WEIGHTING
    non_submitter: NonSubmitter = "cap"
    penalty: Fraction = Fraction(0)

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}")
        if self.non_submitter not in NON_SUBMITTER_RULES:
            raise ValueError(f"non_submitter must be one of {NON_SUBMITTER_RULES}")
        if not isinstance(self.weighting, Fraction) or not 0 <= self.weighting <= 1:
            raise ValueError("weighting must be a Fraction between 0 and 1")
        if not isinstance(self.penalty, Fraction) or self.penalty < 0:
            raise ValueError("penalty must be a Fraction of at least 0")


def corrected_grade(
    team_grade: Fraction,
    factor: Fraction,
    *,
    submitted: bool,
    settings: CorrectionSettings,
    policy: GradePolicy,
) -> Decimal:
    """``clamp(G · (1 - w + w · f) - penalty, min, max)`` rounded half up once; ``none``: G."""
    if settings.model == "none":
        value = team_grade
    else:
        w = settings.weighting
        value = team_grade * (1 - w + w * factor)
        if not submitted:
            value -= settings.penalty
    value = min(max(value, exact(policy.min_grade)), exact(policy.max_grade))
    return round_half_up(value, policy.decimals)


@dataclass(frozen=True)
class StudentCorrection(Generic[S]):
    """What the preview, the factors endpoint and a published result need for one student."""

    student: S
    submitted: bool
    factors: Factors
    model: Model
    factor: Fraction  # the chosen model's (1 for none)
    grade: Decimal | None  # None: no grade in the linked assessment (or none linked)

    def to_dict(self) -> dict[str, Any]:
        return {
            "submitted": self.submitted,
            **self.factors.to_dict(),
            "model": self.model,
            "factor": factor_text(self.factor),
            "grade": None if self.grade is None else str(self.grade),
        }


def correct_team(
    team: TeamRatings[S, C],
    settings: CorrectionSettings,
    team_grades: Mapping[S, Fraction | None],
    policy: GradePolicy,
) -> list[StudentCorrection[S]]:
    """Every member's factors and corrected grade, in the order of ``team.members``.

    ``team_grades[j]`` is j's unrounded grade G from the linked assessment (missing or None:
    no grade to correct, the factors are still reported).
    """
    factors = team_factors(team, settings.non_submitter)
    result: list[StudentCorrection[S]] = []
    for j in team.members:
        submitted = j in team.submitted
        chosen = factors[j].of(settings.model)
        g = team_grades.get(j)
        grade = None
        if g is not None:
            grade = corrected_grade(
                g, chosen, submitted=submitted, settings=settings, policy=policy
            )
        result.append(StudentCorrection(j, submitted, factors[j], settings.model, chosen, grade))
    return result
