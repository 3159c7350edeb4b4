"""What the scoring page shows beside the form's values: the team and where it is in the
assessment (previous/next in team-number order), the criteria with their levels and
descriptors, the members with their grade preview, and why the sheet is read-only if it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_time
from sqlalchemy.orm import Session

from teameval.assessments import links
from teameval.assessments.grading import decimal_text
from teameval.assessments.sheets.schemas import PreviewOut, SheetOut
from teameval.models import AssessmentStatus, ProjectAssessment, ProjectTeam
from teameval.web import i18n


def N_(message: str) -> str:
    return message


READ_ONLY = {
    AssessmentStatus.DRAFT.value: N_(
        "Scoring starts when the assessment is opened: until then these scores are read-only."
    ),
    AssessmentStatus.CLOSED.value: N_(
        "The assessment is closed: the scores are read-only. Reopen it to correct them."
    ),
    AssessmentStatus.PUBLISHED.value: N_(
        "The results are published: the scores are read-only. Withdraw the publication and "
        "reopen the assessment to correct them."
    ),
}
REPLACED = N_(
    "This team version was replaced while the assessment was being scored: its sheet is kept "
    "as it was and can no longer be changed."
)


def score_path(assessment_id: int, team_id: int) -> str:
    return f"/assessments/{assessment_id}/teams/{team_id}/score"


@dataclass(frozen=True)
class Level:
    number: int
    descriptor: str


@dataclass(frozen=True)
class CriterionView:
    id: int
    name: str
    weight: Decimal
    levels: list[Level]


@dataclass(frozen=True)
class Position:
    """Where the team is among the assessment's teams (None: a replaced version, not listed)."""

    number: int | None
    total: int
    previous: ProjectTeam | None
    next: ProjectTeam | None


def position(teams: list[ProjectTeam], team_id: int) -> Position:
    ids = [team.id for team in teams]
    if team_id not in ids:
        return Position(None, len(teams), None, None)
    index = ids.index(team_id)
    return Position(
        index + 1,
        len(teams),
        teams[index - 1] if index > 0 else None,
        teams[index + 1] if index + 1 < len(teams) else None,
    )


def criteria_of(sheet: SheetOut) -> list[CriterionView]:
    levels = range(sheet.scale_min, sheet.scale_max + 1)
    views = []
    for criterion in sheet.criteria:
        texts = list(criterion.descriptors or [])
        views.append(
            CriterionView(
                criterion.id,
                criterion.name,
                Decimal(decimal_text(criterion.weight)),
                [
                    Level(level, str(texts[index]) if index < len(texts) else "")
                    for index, level in enumerate(levels)
                ],
            )
        )
    return views


def read_only_reason(assessment: ProjectAssessment, sheet: SheetOut) -> str | None:
    if assessment.status != AssessmentStatus.OPEN.value:
        return READ_ONLY.get(assessment.status, READ_ONLY[AssessmentStatus.CLOSED.value])
    if not sheet.active:
        return REPLACED
    return None


@dataclass(frozen=True)
class PreviewRow:
    weighted_score: Decimal | None
    grade: Decimal | None


def _preview(row: PreviewOut) -> PreviewRow:
    return PreviewRow(
        Decimal(row.weighted_score) if row.weighted_score is not None else None,
        Decimal(row.grade) if row.grade is not None else None,
    )


def page_context(
    session: Session, assessment: ProjectAssessment, sheet: SheetOut, language: str
) -> dict[str, Any]:
    teams = links.active_linked_teams(session, assessment.id)
    where = position(teams, sheet.project_team_id)
    named = {team.id: team for team in teams}
    team = named.get(sheet.project_team_id)
    return {
        "assessment": assessment,
        "sheet": sheet,
        "team_name": team.display_name_at_time if team else None,
        "position": where,
        "criteria": criteria_of(sheet),
        "members": sheet.members,
        "preview": {row.student_id: _preview(row) for row in sheet.preview},
        "team_label": i18n.translations(language).gettext("Team %(number)s")
        % {"number": sheet.team_number},
        "read_only": read_only_reason(assessment, sheet),
        "path": score_path(assessment.id, sheet.project_team_id),
    }


def clock_time(value: datetime, language: str) -> str:
    """A time of day on the school's clock ("10:32")."""
    return format_time(
        value, "short", tzinfo=i18n.SCHOOL_TIMEZONE, locale=i18n.babel_locale(language)
    )
