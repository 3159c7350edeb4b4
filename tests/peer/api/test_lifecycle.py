"""Creating, changing and moving a peer evaluation through its statuses, over HTTP, on both
engines: validation with field errors, settings only while draft, If-Match, the status
machine, opening locking and linking the current team versions, and the audit rows."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import AuditLog, PeerEvaluationTeam, ProjectTeam, Rubric, RubricCriterion
from tests.peer.api.conftest import (
    PeerWorld,
    create,
    evaluation_url,
    move,
)
from tests.roster.conftest import API

Factory = sessionmaker[Session]


def _fields(response: Any) -> list[str]:
    return [error["field"] for error in response.json().get("errors", [])]


def test_create_answers_201_with_location_etag_and_the_settings(
    client: TestClient, peer: PeerWorld
) -> None:
    north = peer.north
    response = create(
        client,
        north,
        include_self=True,
        model="catme",
        weighting="0.75",
        non_submitter="none",
        penalty=0.5,
        assessment_id=north.assessment_id,
        opens_at="2026-01-01T08:00:00Z",
        closes_at="2026-01-08T08:00:00+01:00",
        thresholds={"low_factor": "0.9"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"].endswith(f"/api/v1/peer-evaluations/{body['id']}")
    assert response.headers["ETag"].startswith('"')
    assert {k: body[k] for k in ("status", "model", "weighting", "non_submitter", "penalty")} == {
        "status": "draft",
        "model": "catme",
        "weighting": "0.75",
        "non_submitter": "none",
        "penalty": "0.5",
    }
    assert body["thresholds"] == {
        "min_peer_raters": 2,
        "self_high": "1.3",
        "self_low": "0.7",
        "low_factor": "0.9",
        "outlier_z": "2",
    }
    assert body["linked_team_ids"] == []
    assert body["closes_at"].startswith("2026-01-08T07:00:00")
    read = client.get(evaluation_url(body["id"]), headers=north.headers("teacher"))
    assert read.json() == body
    assert read.headers["ETag"] == response.headers["ETag"]
    listed = client.get(
        f"{API}/projects/{north.project_id}/peer-evaluations", headers=north.headers("admin")
    )
    assert (listed.json()["items"], listed.json()["total"]) == ([body], 1)


def test_create_refuses_bad_input_naming_the_field(client: TestClient, peer: PeerWorld) -> None:
    north, south = peer.north, peer.south
    cases: list[tuple[dict[str, Any], str]] = [
        ({"rubric_id": north.project_rubric_id}, "rubric_id"),
        ({"rubric_id": south.rubric_id}, "rubric_id"),
        ({"assessment_id": south.assessment_id}, "assessment_id"),
        ({"weighting": "1.5"}, "weighting"),
        ({"penalty": -1}, "penalty"),
        ({"model": "magic"}, "model"),
        ({"opens_at": "2026-01-02T00:00:00Z", "closes_at": "2026-01-01T00:00:00Z"}, "closes_at"),
        ({"thresholds": {"self_low": "1.2"}}, "thresholds"),
    ]
    for fields, field in cases:
        response = create(client, north, **fields)
        assert response.status_code == 422, (fields, response.text)
        assert any(name.endswith(field) or name == field for name in _fields(response)), (
            fields,
            response.json(),
        )
    listed = client.get(
        f"{API}/projects/{north.project_id}/peer-evaluations", headers=north.headers("teacher")
    )
    assert listed.json()["total"] == 0


def test_settings_change_only_while_draft_and_if_match_guards_them(
    client: TestClient, peer: PeerWorld
) -> None:
    north = peer.north
    created = create(client, north)
    evaluation_id = created.json()["id"]
    teacher = north.headers("teacher")
    changed = client.patch(
        evaluation_url(evaluation_id),
        json={"model": "gcf", "weighting": "0.3"},
        headers={**teacher, "If-Match": created.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["model"], changed.json()["weighting"]) == ("gcf", "0.3")
    stale = client.patch(
        evaluation_url(evaluation_id),
        json={"title": "Again"},
        headers={**teacher, "If-Match": created.headers["ETag"]},
    )
    assert stale.status_code == 412
    assert stale.json()["etag"] == changed.headers["ETag"]
    move(client, north, evaluation_id, "open")
    refused = client.patch(evaluation_url(evaluation_id), json={"title": "Later"}, headers=teacher)
    assert refused.status_code == 409
    assert "open" in refused.json()["detail"]
    assert refused.json()["evaluation_status"] == "open"
    assert refused.json()["fields"] == ["title"]
    # The correction setting is chosen with the preview in front of the teacher: it may change
    # until publication, the rest of the settings only while a draft.
    rechosen = client.patch(
        evaluation_url(evaluation_id), json={"model": "none", "weighting": "0.4"}, headers=teacher
    )
    assert rechosen.status_code == 200, rechosen.text
    shown = client.get(evaluation_url(evaluation_id), headers=teacher).json()
    assert (shown["model"], shown["weighting"], shown["title"]) == (
        "none",
        "0.4",
        created.json()["title"],
    )
    # More time after a reopen: the closing time too may change until publication.
    later = client.patch(
        evaluation_url(evaluation_id),
        json={"closes_at": "2099-01-01T12:00:00+00:00"},
        headers=teacher,
    )
    assert later.status_code == 200, later.text
    assert later.json()["closes_at"].startswith("2099-01-01T12:00:00")


def test_the_status_machine(client: TestClient, peer: PeerWorld) -> None:
    north = peer.north
    evaluation_id = create(client, north).json()["id"]
    teacher = north.headers("teacher")

    def to(status: str) -> Any:
        return client.patch(evaluation_url(evaluation_id), json={"status": status}, headers=teacher)

    for bad in ("closed", "published"):
        refused = to(bad)
        assert refused.status_code == 409
        assert refused.json()["from"] == "draft"
        assert refused.json()["allowed"] == ["open"]
    assert to("open").status_code == 200
    assert to("published").status_code == 409
    assert to("draft").status_code == 409
    assert to("closed").status_code == 200
    assert to("open").status_code == 200  # reopened
    assert to("closed").status_code == 200
    published = to("published")
    assert published.status_code == 200, published.text
    assert published.json()["published_at"] is not None
    final = to("closed")
    assert final.status_code == 409
    assert final.json()["allowed"] == []


def test_opening_links_and_locks_the_current_team_versions(
    client: TestClient, peer: PeerWorld, session_factory: Factory
) -> None:
    north = peer.north
    evaluation_id = create(client, north).json()["id"]
    opened = move(client, north, evaluation_id, "open")
    assert opened["linked_team_ids"] == sorted([north.team1, north.team2])
    assert opened["opened_at"] is not None
    with session_factory() as session:
        teams = session.scalars(
            sa.select(ProjectTeam).where(ProjectTeam.id.in_([north.team1, north.team2]))
        ).all()
        assert {(t.lock_reason, t.lock_reference_id) for t in teams} == {
            ("peer_evaluation", evaluation_id)
        }
        assert session.get_one(Rubric, north.rubric_id).frozen_at is not None
        links = session.scalars(
            sa.select(PeerEvaluationTeam.project_team_id).where(
                PeerEvaluationTeam.evaluation_id == evaluation_id
            )
        ).all()
        assert sorted(links) == sorted([north.team1, north.team2])
        actions = [
            (row.action, row.entity_id)
            for row in session.scalars(
                sa.select(AuditLog)
                .where(AuditLog.entity_type == "peer_evaluation")
                .order_by(AuditLog.id)
            )
        ]
    assert actions == [
        ("peer_evaluation.create", evaluation_id),
        ("peer_evaluation.status", evaluation_id),
    ]
    # Reopening links nothing again.
    move(client, north, evaluation_id, "closed", "open")
    with session_factory() as session:
        count = session.scalar(
            sa.select(sa.func.count()).where(PeerEvaluationTeam.evaluation_id == evaluation_id)
        )
    assert count == 2


def test_publishing_needs_the_linked_assessment_published(
    client: TestClient, peer: PeerWorld
) -> None:
    north = peer.north
    evaluation_id = create(client, north, assessment_id=north.assessment_id).json()["id"]
    move(client, north, evaluation_id, "open", "closed")
    refused = client.patch(
        evaluation_url(evaluation_id),
        json={"status": "published"},
        headers=north.headers("teacher"),
    )
    assert refused.status_code == 409
    assert refused.json()["assessment_status"] == "draft"
    teacher_view = client.get(evaluation_url(evaluation_id), headers=north.headers("teacher"))
    assert teacher_view.json()["status"] == "closed"


def test_a_project_without_teams_cannot_open(
    client: TestClient, peer: PeerWorld, session_factory: Factory
) -> None:
    north = peer.north
    evaluation_id = create(client, north).json()["id"]
    with session_factory.begin() as session:
        session.execute(
            sa.update(ProjectTeam)
            .where(ProjectTeam.project_id == north.project_id)
            .values(is_current=False)
        )
    refused = client.patch(
        evaluation_url(evaluation_id), json={"status": "open"}, headers=north.headers("teacher")
    )
    assert refused.status_code == 409
    assert "no teams" in refused.json()["detail"]


def test_a_rubric_without_criteria_cannot_open(
    client: TestClient, peer: PeerWorld, session_factory: Factory
) -> None:
    north = peer.north
    evaluation_id = create(client, north).json()["id"]
    with session_factory.begin() as session:
        session.execute(
            sa.delete(RubricCriterion).where(RubricCriterion.rubric_id == north.rubric_id)
        )
    refused = client.patch(
        evaluation_url(evaluation_id), json={"status": "open"}, headers=north.headers("teacher")
    )
    assert refused.status_code == 409
    assert "no criteria" in refused.json()["detail"]
    assert (
        client.get(evaluation_url(evaluation_id), headers=north.headers("teacher")).json()["status"]
        == "draft"
    )
