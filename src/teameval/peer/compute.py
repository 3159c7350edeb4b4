"""The one computation of a peer evaluation's outcome: factors, flags, preview, export and
publishing all call ``compute``, so what a teacher previews is what gets published.

It reads in bulk (rubric and criteria, the linked team versions, their members, the
submissions, every rating) in a constant number of statements whatever the number of teams, and
hands each team version to ``peer.corrections`` and the project to ``peer.flags``; this module
does no arithmetic of its own beyond picking the inputs.

G, a student's base grade, is their unrounded grade in the linked assessment: the assessment's
own computation (``assessments.results.compute``: weighted score, then
``grading.exact_grade``), so a student whose sheet is incomplete has no G and no grade here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.assessments.grading import GradePolicy, exact, exact_grade, fraction_text
from teameval.assessments.results.compute import compute as compute_assessment
from teameval.models import (
    PeerEvaluation,
    PeerEvaluationTeam,
    PeerRating,
    PeerSubmission,
    ProjectAssessment,
    ProjectTeam,
    ProjectTeamMember,
    Rubric,
    RubricCriterion,
    User,
)
from teameval.peer.corrections import (
    MODELS,
    CorrectionSettings,
    Factors,
    TeamRatings,
    corrected_grade,
    factor_text,
    team_factors,
)
from teameval.peer.flags import FlagThresholds, project_flags

_FRACTION_THRESHOLDS = ("self_high", "self_low", "low_factor", "outlier_z")


def stored_thresholds(values: Mapping[str, Any]) -> dict[str, Any]:
    """Thresholds as the JSON column keeps them: exact decimal strings, an int count."""
    stored: dict[str, Any] = {}
    for name, value in values.items():
        stored[name] = int(value) if name == "min_peer_raters" else str(value)
    return stored


def thresholds_of(stored: Mapping[str, Any] | None) -> FlagThresholds:
    """The thresholds in force (defaults for those not stored); ``ValueError`` if they clash."""
    values: dict[str, Any] = {}
    for name, value in (stored or {}).items():
        values[name] = int(value) if name == "min_peer_raters" else exact(str(value))
    return FlagThresholds(**values)


def thresholds_text(stored: Mapping[str, Any] | None) -> dict[str, str | int]:
    limits = thresholds_of(stored)
    text: dict[str, str | int] = {"min_peer_raters": limits.min_peer_raters}
    for name in _FRACTION_THRESHOLDS:
        text[name] = fraction_text(getattr(limits, name))
    return text


def settings_of(evaluation: PeerEvaluation, model: str | None = None) -> CorrectionSettings:
    """The evaluation's correction setting (``model`` overrides the chosen one, for previews)."""
    return CorrectionSettings(
        model=(model or evaluation.model),  # type: ignore[arg-type]
        weighting=exact(evaluation.weighting),
        non_submitter=evaluation.non_submitter,  # type: ignore[arg-type]
        penalty=exact(evaluation.penalty),
    )


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    student_number: str | None


@dataclass(frozen=True)
class LinkedTeam:
    team: ProjectTeam
    members: tuple[Member, ...]
    submitted_at: dict[int, Any]  # rater id -> submitted_at (None: a draft) for those who saved

    def state(self, student_id: int) -> str:
        if student_id not in self.submitted_at:
            return "none"
        return "draft" if self.submitted_at[student_id] is None else "submitted"


@dataclass(frozen=True)
class StudentOutcome:
    student_id: int
    name: str
    student_number: str | None
    project_team_id: int
    team_number: int
    submitted: bool
    factors: Factors
    factor: Fraction  # the chosen model's (1 under none)
    flags: list[str]
    base: Fraction | None  # G, unrounded; None without a linked assessment or a complete sheet
    base_grade: Decimal | None  # G rounded by the assessment's policy, uncorrected
    grade: Decimal | None  # under the chosen model
    grades: dict[str, Decimal | None]  # under every model

    @property
    def factor_decimal(self) -> Decimal:
        return Decimal(factor_text(self.factor))

    def factor_texts(self) -> dict[str, str]:
        return self.factors.to_dict()


@dataclass(frozen=True)
class Outcome:
    evaluation: PeerEvaluation
    rubric: Rubric
    criteria: tuple[RubricCriterion, ...]
    settings: CorrectionSettings
    policy: GradePolicy | None  # the linked assessment's; None without one
    teams: tuple[LinkedTeam, ...]
    students: tuple[StudentOutcome, ...]


def read_rubric(session: Session, rubric_id: int) -> tuple[Rubric, tuple[RubricCriterion, ...]]:
    rubric = session.execute(select(Rubric).where(Rubric.id == rubric_id)).scalar_one()
    criteria = tuple(
        session.scalars(
            select(RubricCriterion)
            .where(RubricCriterion.rubric_id == rubric_id)
            .order_by(RubricCriterion.position, RubricCriterion.id)
        )
    )
    return rubric, criteria


def linked_teams(
    session: Session, evaluation: PeerEvaluation, team_id: int | None = None
) -> tuple[LinkedTeam, ...]:
    """The linked team versions by team number, members by name: three statements."""
    linked = select(PeerEvaluationTeam.project_team_id).where(
        PeerEvaluationTeam.evaluation_id == evaluation.id
    )
    if team_id is not None:
        linked = linked.where(PeerEvaluationTeam.project_team_id == team_id)
    teams = list(
        session.scalars(
            select(ProjectTeam)
            .where(ProjectTeam.id.in_(linked))
            .order_by(ProjectTeam.team_number, ProjectTeam.id)
        )
    )
    members: dict[int, list[Member]] = {}
    for team, user_id, name, number in session.execute(
        select(ProjectTeamMember.project_team_id, User.id, User.name, User.student_number)
        .join(User, User.id == ProjectTeamMember.user_id)
        .where(ProjectTeamMember.project_team_id.in_(linked))
    ):
        members.setdefault(team, []).append(Member(user_id, name, number))
    submissions: dict[int, dict[int, Any]] = {}
    for team, rater, submitted_at in session.execute(
        select(
            PeerSubmission.project_team_id, PeerSubmission.rater_id, PeerSubmission.submitted_at
        ).where(
            PeerSubmission.evaluation_id == evaluation.id,
            PeerSubmission.project_team_id.in_(linked),
        )
    ):
        submissions.setdefault(team, {})[rater] = submitted_at
    return tuple(
        LinkedTeam(
            team,
            # By name in Python: the same order on both engines, whatever the collation.
            tuple(sorted(members.get(team.id, []), key=lambda m: (m.name, m.id))),
            submissions.get(team.id, {}),
        )
        for team in teams
    )


def team_ratings(
    evaluation: PeerEvaluation,
    rubric: Rubric,
    criteria: tuple[RubricCriterion, ...],
    team: LinkedTeam,
    scores: Mapping[tuple[int, int, int], int],
) -> TeamRatings[int, int]:
    return TeamRatings(
        members=[member.id for member in team.members],
        submitted=frozenset(rater for rater, at in team.submitted_at.items() if at is not None),
        ratings=scores,
        weights={criterion.id: criterion.weight for criterion in criteria},
        scale_min=rubric.scale_min,
        scale_max=rubric.scale_max,
        include_self=evaluation.include_self,
    )


def base_grades(
    session: Session, assessment_id: int | None
) -> tuple[GradePolicy | None, dict[int, Fraction]]:
    """Each student's unrounded grade G in the linked assessment (complete sheets only)."""
    if assessment_id is None:
        return None, {}
    assessment = session.execute(
        select(ProjectAssessment).where(ProjectAssessment.id == assessment_id)
    ).scalar_one()
    computation = compute_assessment(session, assessment)
    scale = (computation.rubric.scale_min, computation.rubric.scale_max)
    grades = {
        student.student_id: exact_grade(student.weighted_score, computation.policy, *scale)
        for student in computation.students
        if student.weighted_score is not None
    }
    return computation.policy, grades


def compute(session: Session, evaluation: PeerEvaluation) -> Outcome:
    """Every linked student's factors, flags and grades, team by team, by name."""
    rubric, criteria = read_rubric(session, evaluation.rubric_id)
    teams = linked_teams(session, evaluation)
    scores: dict[int, dict[tuple[int, int, int], int]] = {}
    for row in session.execute(
        select(
            PeerRating.project_team_id,
            PeerRating.rater_id,
            PeerRating.ratee_id,
            PeerRating.criterion_id,
            PeerRating.score,
        ).where(PeerRating.evaluation_id == evaluation.id)
    ):
        scores.setdefault(row.project_team_id, {})[
            (row.rater_id, row.ratee_id, row.criterion_id)
        ] = row.score
    settings = settings_of(evaluation)
    policy, grades = base_grades(session, evaluation.assessment_id)
    ratings = [
        team_ratings(evaluation, rubric, criteria, team, scores.get(team.team.id, {}))
        for team in teams
    ]
    factors: dict[int, Factors] = {}
    for team_rating in ratings:
        factors.update(team_factors(team_rating, settings.non_submitter))
    chosen = {s: f.of(settings.model) for s, f in factors.items()}
    flags = project_flags(
        ratings, None if settings.model == "none" else chosen, thresholds_of(evaluation.thresholds)
    )
    students = []
    for team, team_rating in zip(teams, ratings, strict=True):
        for member in team.members:
            submitted = member.id in team_rating.submitted
            g = grades.get(member.id)
            per_model: dict[str, Decimal | None] = {}
            for model in MODELS:
                per_model[model] = (
                    None
                    if g is None or policy is None
                    else corrected_grade(
                        g,
                        factors[member.id].of(model),
                        submitted=submitted,
                        settings=settings_of(evaluation, model),
                        policy=policy,
                    )
                )
            students.append(
                StudentOutcome(
                    student_id=member.id,
                    name=member.name,
                    student_number=member.student_number,
                    project_team_id=team.team.id,
                    team_number=team.team.team_number,
                    submitted=submitted,
                    factors=factors[member.id],
                    factor=chosen[member.id],
                    flags=[flag.value for flag in flags[member.id]],
                    base=g,
                    base_grade=per_model["none"],
                    grade=per_model[settings.model],
                    grades=per_model,
                )
            )
    return Outcome(evaluation, rubric, criteria, settings, policy, teams, tuple(students))
