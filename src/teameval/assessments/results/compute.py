"""The one computation of an assessment's results: the results preview, publishing and what a
student sees all call ``compute``.

It reads the sheets in bulk (the rubric, its criteria, the effective policy, the active linked
team versions, their members and every score) in a constant number of statements whatever the
number of teams, and grades each student through ``assessments.grading``: for each criterion
the student's override if there is one, else the team score; a student missing any criterion
has no grade (``complete`` false).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.assessments.grading import (
    GradePolicy,
    decimal_text,
    fraction_text,
    grade,
    round_half_up,
    weighted_score,
)
from teameval.assessments.policies.service import effective_policy
from teameval.errors import Conflict, InvalidInput
from teameval.models import (
    Project,
    ProjectAssessment,
    ProjectAssessmentScore,
    ProjectAssessmentTeam,
    ProjectTeam,
    ProjectTeamMember,
    Rubric,
    RubricCriterion,
    ScoreSource,
    User,
)
from teameval.models.assessment import WEIGHTED_SCORE_SCALE


@dataclass(frozen=True)
class Criterion:
    id: int
    name: str
    weight: Decimal
    position: int
    category: str | None


@dataclass(frozen=True)
class CriterionScore:
    """The score a student's grade used for one criterion (None: missing)."""

    criterion: Criterion
    score: int | None
    source: ScoreSource | None
    reason: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "criterion_id": self.criterion.id,
            "name": self.criterion.name,
            "weight": decimal_text(self.criterion.weight),
            "score": self.score,
            "source": None if self.source is None else self.source.value,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class StudentResult:
    student_id: int
    name: str
    student_number: str | None
    project_team_id: int
    team_number: int
    team_version: int
    team_name: str
    scores: tuple[CriterionScore, ...]
    weighted_score: Fraction | None
    grade: Decimal | None
    comment: str | None

    @property
    def complete(self) -> bool:
        return self.weighted_score is not None

    @property
    def missing(self) -> list[int]:
        return [item.criterion.id for item in self.scores if item.score is None]


@dataclass(frozen=True)
class TeamSheet:
    """One active linked team version: its sheet header, team scores and members' results."""

    project_team_id: int
    team_number: int
    name: str
    version: int
    locked: bool
    sheet_version: int
    comment: str | None
    team_scores: dict[int, int]  # criterion id -> score
    members: tuple[StudentResult, ...]

    def missing_team_scores(self, criteria: Collection[Criterion]) -> list[int]:
        return [criterion.id for criterion in criteria if criterion.id not in self.team_scores]


@dataclass(frozen=True)
class Computation:
    assessment_id: int
    rubric: Rubric
    criteria: tuple[Criterion, ...]
    policy: GradePolicy
    pass_level: Fraction
    teams: tuple[TeamSheet, ...]

    @property
    def students(self) -> list[StudentResult]:
        return [member for team in self.teams for member in team.members]

    def team_complete(self, team: TeamSheet) -> bool:
        """Every member has a grade; a team without members needs every team score."""
        if team.members:
            return all(member.complete for member in team.members)
        return not team.missing_team_scores(self.criteria)

    def policy_snapshot(self) -> dict[str, Any]:
        """The policy as used, its pass level resolved on the rubric's scale."""
        return {**self.policy.to_dict(), "pass_level": fraction_text(self.pass_level)}

    def rubric_snapshot(self) -> dict[str, Any]:
        return {
            "id": self.rubric.id,
            "title": self.rubric.title,
            "scale_min": self.rubric.scale_min,
            "scale_max": self.rubric.scale_max,
            "criteria": [
                {
                    "id": criterion.id,
                    "name": criterion.name,
                    "weight": decimal_text(criterion.weight),
                    "category": criterion.category,
                    "position": criterion.position,
                }
                for criterion in self.criteria
            ],
        }


def exact_text(value: Fraction) -> str:
    """The exact weighted score as stored: always ``"n/d"``."""
    return f"{value.numerator}/{value.denominator}"


def four_places(value: Fraction) -> Decimal:
    """The weighted score for display and sorting: half up to 4 places."""
    return round_half_up(value, WEIGHTED_SCORE_SCALE)


def compute(
    session: Session,
    assessment: ProjectAssessment,
    *,
    team_ids: Collection[int] | None = None,
) -> Computation:
    """Every active linked team's results (or only those of ``team_ids``), in team-number order
    and, within a team, by name. Seven statements, whatever the number of teams."""
    rubric = session.execute(select(Rubric).where(Rubric.id == assessment.rubric_id)).scalar_one()
    criteria = tuple(
        Criterion(row.id, row.name, row.weight, row.position, row.category)
        for row in session.scalars(
            select(RubricCriterion)
            .where(RubricCriterion.rubric_id == rubric.id)
            .order_by(RubricCriterion.position, RubricCriterion.id)
        )
    )
    course_id = session.scalar(select(Project.course_id).where(Project.id == assessment.project_id))
    try:
        policy = effective_policy(session, assessment.school_id, course_id, assessment.grade_policy)
        level = policy.level(rubric.scale_min, rubric.scale_max)
    except InvalidInput as error:
        # Valid when the assessment was made; a school or course policy changed since no longer
        # fits it (a pass level off this rubric's scale): a state to fix, not a bad request.
        raise Conflict(
            f"The grade policy of assessment {assessment.id} does not fit it: {error.detail} "
            "Change the course's or school's grade policy.",
            errors=error.extensions.get("errors", []),
        ) from error

    active = select(ProjectAssessmentTeam.project_team_id).where(
        ProjectAssessmentTeam.assessment_id == assessment.id, ProjectAssessmentTeam.active
    )
    if team_ids is not None:
        active = active.where(ProjectAssessmentTeam.project_team_id.in_(sorted(set(team_ids))))
    links = session.execute(
        select(ProjectAssessmentTeam, ProjectTeam)
        .join(ProjectTeam, ProjectTeam.id == ProjectAssessmentTeam.project_team_id)
        .where(
            ProjectAssessmentTeam.assessment_id == assessment.id,
            ProjectAssessmentTeam.project_team_id.in_(active),
        )
        .order_by(ProjectTeam.team_number, ProjectTeam.id)
    ).all()
    members: dict[int, list[tuple[int, str, str | None]]] = {}
    for team_id, user_id, name, number in session.execute(
        select(ProjectTeamMember.project_team_id, User.id, User.name, User.student_number)
        .join(User, User.id == ProjectTeamMember.user_id)
        .where(ProjectTeamMember.project_team_id.in_(active))
    ):
        members.setdefault(team_id, []).append((user_id, name, number))
    for people in members.values():
        # By name in Python: the same order on both engines, whatever the collation.
        people.sort(key=lambda person: (person[1], person[0]))
    team_scores: dict[int, dict[int, int]] = {}
    overrides: dict[tuple[int, int], dict[int, tuple[int, str | None]]] = {}
    for row in session.execute(
        select(
            ProjectAssessmentScore.project_team_id,
            ProjectAssessmentScore.student_id,
            ProjectAssessmentScore.criterion_id,
            ProjectAssessmentScore.score,
            ProjectAssessmentScore.reason,
        ).where(
            ProjectAssessmentScore.assessment_id == assessment.id,
            ProjectAssessmentScore.project_team_id.in_(active),
        )
    ):
        if row.student_id is None:
            team_scores.setdefault(row.project_team_id, {})[row.criterion_id] = row.score
        else:
            key = (row.project_team_id, row.student_id)
            overrides.setdefault(key, {})[row.criterion_id] = (row.score, row.reason)

    teams = []
    for link, team in links:
        scores = team_scores.get(team.id, {})
        results = tuple(
            _student(
                rubric,
                criteria,
                policy,
                team,
                link.comment,
                student,
                scores,
                overrides.get((team.id, student[0]), {}),
            )
            for student in members.get(team.id, [])
        )
        teams.append(
            TeamSheet(
                project_team_id=team.id,
                team_number=team.team_number,
                name=team.display_name_at_time,
                version=team.version,
                locked=team.locked,
                sheet_version=link.sheet_version,
                comment=link.comment,
                team_scores=dict(scores),
                members=results,
            )
        )
    return Computation(assessment.id, rubric, criteria, policy, level, tuple(teams))


def _student(
    rubric: Rubric,
    criteria: tuple[Criterion, ...],
    policy: GradePolicy,
    team: ProjectTeam,
    comment: str | None,
    student: tuple[int, str, str | None],
    team_scores: dict[int, int],
    overrides: dict[int, tuple[int, str | None]],
) -> StudentResult:
    used: list[CriterionScore] = []
    for criterion in criteria:
        if criterion.id in overrides:
            score, reason = overrides[criterion.id]
            used.append(CriterionScore(criterion, score, ScoreSource.OVERRIDE, reason))
        elif criterion.id in team_scores:
            used.append(
                CriterionScore(criterion, team_scores[criterion.id], ScoreSource.TEAM, None)
            )
        else:
            used.append(CriterionScore(criterion, None, None, None))
    given = {item.criterion.id: item.score for item in used if item.score is not None}
    r = weighted_score(given, {criterion.id: criterion.weight for criterion in criteria})
    student_id, name, number = student
    return StudentResult(
        student_id=student_id,
        name=name,
        student_number=number,
        project_team_id=team.id,
        team_number=team.team_number,
        team_version=team.version,
        team_name=team.display_name_at_time,
        scores=tuple(used),
        weighted_score=r,
        grade=None if r is None else grade(r, policy, rubric.scale_min, rubric.scale_max),
        comment=comment,
    )
