"""Concurrent writers on PostgreSQL, through a real server: status changes of one assessment run
one after another (its row lock), so racing publishes write one revision and racing opens lock
once; and a publish racing sheet saves stores exactly the scores the sheet holds afterwards
(a save waits for the publish, then sees ``published``: 409), never a mix."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import AuditLog, ProjectAssessmentScore
from tests.assessments.lifecycle.helpers import (
    criteria_of,
    publication_rows,
    put_scores,
    results_rows,
)
from tests.roster.conftest import RosterWorld, bearer, build_worlds
from tests.roster.race_server import Call, assert_only, burst, served, statuses

pytestmark = pytest.mark.postgres_only
Factory = sessionmaker[Session]


@pytest.fixture
def base(db_url: str, backend: str, tmp_path: Path) -> Iterator[str]:
    if backend != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises every writer)")
    with served(db_url, tmp_path / "serve.log") as url:
        yield url


@pytest.fixture
def worlds(session_factory: Factory) -> RosterWorld:
    return build_worlds(session_factory, "north", "south")


def _audit_actions(factory: Factory, assessment_id: int) -> list[str]:
    with factory() as session:
        return list(
            session.scalars(
                sa.select(AuditLog.action)
                .where(AuditLog.entity_type == "assessment", AuditLog.entity_id == assessment_id)
                .order_by(AuditLog.id)
            )
        )


def test_racing_opens_and_publishes_make_one_transition_each(
    base: str, worlds: RosterWorld, session_factory: Factory
) -> None:
    assessment_id = worlds.north_assessment.id
    headers = bearer(worlds.north, "teacher")
    url = f"/assessments/{assessment_id}"
    opens = burst(base, [Call("PATCH", url, headers, {"status": "open"}) for _ in range(6)])
    assert statuses(opens) == {200: 6}
    first, second = criteria_of(session_factory, worlds.north_rubric.id)
    put_scores(session_factory, assessment_id, worlds.north_team.id, {first: 4, second: 2})
    publishes = burst(
        base, [Call("PATCH", url, headers, {"status": "published"}) for _ in range(6)]
    )
    assert statuses(publishes) == {200: 6}
    assert {answer.body["revision"] for answer in publishes} == {1}
    (publication,) = publication_rows(session_factory, assessment_id)
    assert publication["revision"] == 1
    assert [row["student_id"] for row in results_rows(session_factory, assessment_id)] == [
        worlds.north.student.id
    ]
    actions = _audit_actions(session_factory, assessment_id)
    assert actions.count("assessment.status") == 1
    assert actions.count("assessment.publish") == 1


def test_a_publish_racing_sheet_saves_stores_what_the_sheet_holds(
    base: str, worlds: RosterWorld, session_factory: Factory
) -> None:
    assessment_id = worlds.north_assessment.id
    team_id = worlds.north_team.id
    headers = bearer(worlds.north, "teacher")
    first, second = criteria_of(session_factory, worlds.north_rubric.id)
    _open(base, worlds, assessment_id)
    put_scores(session_factory, assessment_id, team_id, {first: 3, second: 3})
    sheet = f"/assessments/{assessment_id}/teams/{team_id}/scores"
    saves = [
        Call(
            "PUT",
            sheet,
            headers,
            {"scores": [{"criterion_id": first, "score": s}, {"criterion_id": second, "score": s}]},
        )
        for s in (1, 2, 4, 5, 1)
    ]
    publish = Call("PATCH", f"/assessments/{assessment_id}", headers, {"status": "published"})
    answers = burst(base, [*saves[:3], publish, *saves[3:]])
    assert_only(answers, {200, 409})
    assert next(a for a in answers if a.call is publish).status == 200
    with session_factory() as session:
        held = {
            row.criterion_id: row.score
            for row in session.scalars(
                sa.select(ProjectAssessmentScore).where(
                    ProjectAssessmentScore.assessment_id == assessment_id,
                    ProjectAssessmentScore.project_team_id == team_id,
                )
            )
        }
    (result,) = results_rows(session_factory, assessment_id)
    assert {item["criterion_id"]: item["score"] for item in result["scores"]} == held


def _open(base: str, worlds: RosterWorld, assessment_id: int) -> None:
    """Open the assessment through the served app."""
    response = httpx.patch(
        f"{base}/assessments/{assessment_id}",
        json={"status": "open"},
        headers=bearer(worlds.north, "teacher"),
        timeout=60,
    )
    assert response.status_code == 200, response.text
