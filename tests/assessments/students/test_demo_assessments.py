"""The demo's assessments (issue 10): a rubric with weighted criteria and Dutch descriptors,
one assessment open with some sheets filled, one published with overrides; a student of the
published one sees their own result through the API, and the demo resets cleanly."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from teameval.demo import build_demo, reset_demo
from teameval.models import (
    AssessmentResult,
    ProjectAssessment,
    ProjectAssessmentScore,
    ProjectAssessmentTeam,
    Rubric,
    RubricCriterion,
    School,
    User,
)
from tests.assessments.sheets.scene import bearer_of
from tests.roster.conftest import API

Factory = sessionmaker[Session]


def test_the_demo_has_a_scored_and_a_published_assessment(
    client: TestClient, session_factory: Factory
) -> None:
    with session_factory.begin() as session:
        build_demo(session)
    with session_factory() as session:
        # The project rubric (the demo's peer evaluation has a peer rubric of its own).
        rubric = session.scalars(select(Rubric).where(Rubric.scope == "project")).one()
        criteria = session.execute(
            select(RubricCriterion.name, RubricCriterion.weight, RubricCriterion.descriptors)
            .where(RubricCriterion.rubric_id == rubric.id)
            .order_by(RubricCriterion.position)
        ).all()
        assert [(name, str(weight)) for name, weight, _ in criteria] == [
            ("Samenwerking", "2.000"),
            ("Planning", "1.000"),
            ("Eindproduct", "3.000"),
            ("Presentatie", "1.000"),
        ]
        assert all(len(texts) == 5 for _, _, texts in criteria)
        assert rubric.frozen
        statuses = dict(
            session.execute(select(ProjectAssessment.status, ProjectAssessment.id)).all()
        )
        assert set(statuses) == {"open", "published"}
        sheets = session.execute(
            select(ProjectAssessmentTeam.assessment_id, ProjectAssessmentTeam.sheet_version).where(
                ProjectAssessmentTeam.active.is_(True)
            )
        ).all()
        open_versions = [
            version for assessment, version in sheets if assessment == statuses["open"]
        ]
        assert 0 in open_versions
        assert any(version > 0 for version in open_versions)
        overrides = session.scalar(
            select(func.count())
            .select_from(ProjectAssessmentScore)
            .where(
                ProjectAssessmentScore.assessment_id == statuses["published"],
                ProjectAssessmentScore.student_id.is_not(None),
            )
        )
        assert overrides == 3
        result = session.scalars(
            select(AssessmentResult)
            .where(AssessmentResult.assessment_id == statuses["published"])
            .order_by(AssessmentResult.id)
        ).first()
        assert result is not None
        student = session.get(User, result.student_id)
        assert student is not None
        session.expunge(student)
    mine = client.get(f"{API}/me/assessments/{statuses['published']}", headers=bearer_of(student))
    assert mine.status_code == 200, mine.text
    assert mine.json()["grade"] == str(result.grade.quantize(result.grade.__class__("0.1")))
    assert mine.json()["explanation"]["grade"] == mine.json()["grade"]
    assert [score["name"] for score in mine.json()["scores"]] == [
        "Samenwerking",
        "Planning",
        "Eindproduct",
        "Presentatie",
    ]
    with session_factory.begin() as session:
        reset_demo(session)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(School)) == 0
