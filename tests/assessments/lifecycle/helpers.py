"""Helpers for the assessment lifecycle and results tests: scores written straight to the
sheet tables (the sheet routes are tested on their own), full rows read back, URLs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import (
    AssessmentPublication,
    AssessmentResult,
    ProjectAssessment,
    ProjectAssessmentScore,
    ProjectAssessmentTeam,
    RubricCriterion,
)
from tests.roster.conftest import API, Headers

Factory = sessionmaker[Session]


def assessment_url(assessment_id: int, rest: str = "") -> str:
    return f"{API}/assessments/{assessment_id}{rest}"


def criteria_of(factory: Factory, rubric_id: int) -> list[int]:
    with factory() as session:
        return list(
            session.scalars(
                sa.select(RubricCriterion.id)
                .where(RubricCriterion.rubric_id == rubric_id)
                .order_by(RubricCriterion.position)
            )
        )


def put_scores(
    factory: Factory,
    assessment_id: int,
    team_id: int,
    scores: Mapping[int, int],
    overrides: Mapping[tuple[int, int], tuple[int, str]] | None = None,
) -> None:
    """Replace the team's scores on the sheet: ``scores`` criterion -> score, ``overrides``
    (student, criterion) -> (score, reason)."""
    with factory.begin() as session:
        assessment = session.get_one(ProjectAssessment, assessment_id)
        session.execute(
            sa.delete(ProjectAssessmentScore).where(
                ProjectAssessmentScore.assessment_id == assessment_id,
                ProjectAssessmentScore.project_team_id == team_id,
            )
        )
        common = {
            "school_id": assessment.school_id,
            "assessment_id": assessment_id,
            "rubric_id": assessment.rubric_id,
            "project_team_id": team_id,
        }
        for criterion_id, score in scores.items():
            session.add(ProjectAssessmentScore(**common, criterion_id=criterion_id, score=score))
        for (student_id, criterion_id), (score, reason) in (overrides or {}).items():
            session.add(
                ProjectAssessmentScore(
                    **common,
                    criterion_id=criterion_id,
                    student_id=student_id,
                    score=score,
                    reason=reason,
                )
            )


def patch(client: TestClient, assessment_id: int, body: dict[str, Any], headers: Headers) -> Any:
    return client.patch(assessment_url(assessment_id), json=body, headers=headers)


def move(
    client: TestClient, assessment_id: int, headers: Headers, *statuses: str, **extra: Any
) -> Any:
    """PATCH through each status in turn, asserting each succeeds; the last answer."""
    body: Any = None
    for status in statuses:
        response = patch(client, assessment_id, {"status": status, **extra}, headers)
        assert response.status_code == 200, response.text
        body = response.json()
    return body


def full_rows(factory: Factory, model: Any, **where: Any) -> list[dict[str, Any]]:
    """Every column of the matching rows, by id."""
    table = model.__table__
    with factory() as session:
        query = sa.select(table).order_by(table.c.id)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        return [dict(row._mapping) for row in session.execute(query)]


def links_of(factory: Factory, assessment_id: int) -> list[tuple[int, bool]]:
    with factory() as session:
        return [
            (row.project_team_id, row.active)
            for row in session.execute(
                sa.select(ProjectAssessmentTeam)
                .where(ProjectAssessmentTeam.assessment_id == assessment_id)
                .order_by(ProjectAssessmentTeam.project_team_id)
            ).scalars()
        ]


def results_rows(factory: Factory, assessment_id: int) -> list[dict[str, Any]]:
    return full_rows(factory, AssessmentResult, assessment_id=assessment_id)


def publication_rows(factory: Factory, assessment_id: int) -> list[dict[str, Any]]:
    return full_rows(factory, AssessmentPublication, assessment_id=assessment_id)
