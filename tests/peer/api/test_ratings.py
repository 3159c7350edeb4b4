"""A student's form and ratings over HTTP, on both engines: status and window enforcement, who
may be rated, scores within the scale, submitting, and ratings staying with the team version
they were given in after a team change."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import PeerRating, PeerSubmission
from tests.peer.api.conftest import (
    PeerWorld,
    create,
    evaluation_url,
    full_ratings,
    mine_url,
    move,
    put_ratings,
)
from tests.roster.conftest import API

Factory = sessionmaker[Session]
TEAM1 = ["student", "ann", "bob", "cas"]


def _ratings_rows(factory: Factory, evaluation_id: int) -> list[tuple[int, int, int, int, int]]:
    with factory() as session:
        return [
            tuple(row)  # type: ignore[misc]
            for row in session.execute(
                sa.select(
                    PeerRating.project_team_id,
                    PeerRating.rater_id,
                    PeerRating.ratee_id,
                    PeerRating.criterion_id,
                    PeerRating.score,
                )
                .where(PeerRating.evaluation_id == evaluation_id)
                .order_by(PeerRating.id)
            )
        ]


def test_a_draft_is_invisible_to_students(client: TestClient, peer: PeerWorld) -> None:
    north = peer.north
    evaluation_id = create(client, north).json()["id"]
    listed = client.get(f"{API}/me/peer-evaluations", headers=north.headers("student"))
    assert listed.status_code == 200
    assert listed.json()["items"] == []
    assert listed.json()["total"] == 0
    assert client.get(mine_url(evaluation_id), headers=north.headers("student")).status_code == 404
    put = put_ratings(client, north, evaluation_id, "student", [])
    assert put.status_code == 404


def test_the_form_lists_teammates_and_criteria(
    client: TestClient, peer: PeerWorld, opened: int
) -> None:
    north = peer.north
    form = client.get(mine_url(opened), headers=north.headers("ann"))
    assert form.status_code == 200, form.text
    body = form.json()
    assert body["project_team_id"] == north.team1
    assert body["editable"] is True
    assert body["submission"] == "none"
    # The caller first (self-rating), then the teammates by name; names only.
    assert body["members"] == [
        {"id": north.id("ann"), "name": "Ann", "is_self": True},
        {"id": north.id("bob"), "name": "Bob", "is_self": False},
        {"id": north.id("cas"), "name": "Cas", "is_self": False},
        {"id": north.id("student"), "name": north.students["student"].name, "is_self": False},
    ]
    assert [c["id"] for c in body["criteria"]] == north.criteria
    assert body["criteria"][0]["descriptors"] == [
        "absent",
        "rarely",
        "sometimes",
        "often",
        "always",
    ]
    assert body["ratings"] == []
    listed = client.get(f"{API}/me/peer-evaluations", headers=north.headers("ann")).json()
    assert [(item["id"], item["submission"]) for item in listed["items"]] == [(opened, "none")]


def test_window_and_status_enforcement(
    client: TestClient, peer: PeerWorld, session_factory: Factory
) -> None:
    north = peer.north
    ratings = full_ratings(north, ["bob", "cas", "student"])
    future = create(client, north, opens_at="2999-01-01T00:00:00Z").json()["id"]
    past = create(client, north, closes_at="2000-01-01T00:00:00Z").json()["id"]
    move(client, north, future, "open")
    move(client, north, past, "open")
    early = put_ratings(client, north, future, "ann", ratings)
    assert early.status_code == 409
    assert "opens at 2999-01-01" in early.json()["detail"]
    late = put_ratings(client, north, past, "ann", ratings)
    assert late.status_code == 409
    assert "closed at 2000-01-01" in late.json()["detail"]
    for evaluation_id in (future, past):
        form = client.get(mine_url(evaluation_id), headers=north.headers("ann")).json()
        assert form["editable"] is False
    now = create(client, north).json()["id"]
    move(client, north, now, "open")
    assert put_ratings(client, north, now, "ann", ratings).status_code == 200
    move(client, north, now, "closed")
    closed = put_ratings(client, north, now, "ann", ratings)
    assert closed.status_code == 409
    assert "closed" in closed.json()["detail"]
    assert closed.json()["evaluation_status"] == "closed"
    move(client, north, now, "open")  # reopened: ratings again
    assert put_ratings(client, north, now, "ann", ratings).status_code == 200
    assert {row[1] for row in _ratings_rows(session_factory, future)} == set()
    assert {row[1] for row in _ratings_rows(session_factory, past)} == set()


def test_who_may_be_rated_and_what_scores(
    client: TestClient, peer: PeerWorld, session_factory: Factory
) -> None:
    north, south = peer.north, peer.south
    evaluation_id = create(client, north).json()["id"]  # no self-rating
    move(client, north, evaluation_id, "open")
    criterion = north.criteria[0]

    def one(ratee: int, score: int = 3, criterion_id: int = criterion) -> Any:
        rating = {"ratee_id": ratee, "criterion_id": criterion_id, "score": score}
        return put_ratings(client, north, evaluation_id, "ann", [rating])

    cases = [
        (one(north.id("dee")), "ratings[0].ratee_id", "not a member of your team version"),
        (one(north.id("lone")), "ratings[0].ratee_id", "not a member of your team version"),
        (one(south.id("bob")), "ratings[0].ratee_id", "not a member of your team version"),
        (one(north.id("ann")), "ratings[0].ratee_id", "you do not rate yourself"),
        (one(north.id("bob"), 0), "ratings[0].score", "must be 1 to 5"),
        (one(north.id("bob"), 6), "ratings[0].score", "must be 1 to 5"),
        (one(north.id("bob"), 3, 999_999), "ratings[0].criterion_id", "not a criterion"),
    ]
    for response, field, message in cases:
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == [field]
        assert response.json()["errors"][0]["message"].startswith(message)
    twice = put_ratings(
        client,
        north,
        evaluation_id,
        "ann",
        [{"ratee_id": north.id("bob"), "criterion_id": criterion, "score": 2}] * 2,
    )
    assert twice.status_code == 422
    # A student in no team of the project, or of another school, has no such evaluation.
    for school, who in ((north, "lone"), (south, "ann")):
        assert client.get(mine_url(evaluation_id), headers=school.headers(who)).status_code == 404
        response = put_ratings(client, school, evaluation_id, who, [])
        assert response.status_code == 404
    assert _ratings_rows(session_factory, evaluation_id) == []


def test_submitting_needs_every_rating_and_stays_changeable_until_close(
    client: TestClient, peer: PeerWorld, opened: int, session_factory: Factory
) -> None:
    north = peer.north
    complete = full_ratings(north, TEAM1, 4)
    partial = complete[:-1]
    refused = put_ratings(client, north, opened, "ann", partial, submit=True)
    assert refused.status_code == 422
    assert refused.json()["missing"] == [
        {"ratee_id": north.id("cas"), "criterion_id": north.criteria[-1]}
    ]
    assert _ratings_rows(session_factory, opened) == []
    draft = put_ratings(client, north, opened, "ann", partial)
    assert draft.status_code == 200
    assert draft.json()["submission"] == "draft"
    assert len(draft.json()["ratings"]) == len(partial)
    submitted = put_ratings(client, north, opened, "ann", complete, submit=True)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["submission"] == "submitted"
    assert submitted.json()["submitted_at"] is not None
    changed = full_ratings(north, TEAM1, 5)
    again = put_ratings(client, north, opened, "ann", changed)
    assert again.status_code == 200
    assert again.json()["submission"] == "submitted"
    assert {r["score"] for r in again.json()["ratings"]} == {5}
    # Once submitted, a form stays complete.
    assert put_ratings(client, north, opened, "ann", partial).status_code == 422
    with session_factory() as session:
        states = session.execute(
            sa.select(PeerSubmission.rater_id, PeerSubmission.submitted_at.is_not(None)).where(
                PeerSubmission.evaluation_id == opened
            )
        ).all()
    assert [tuple(s) for s in states] == [(north.id("ann"), True)]


def test_ratings_stay_with_the_version_after_a_team_change(
    client: TestClient, peer: PeerWorld, opened: int, session_factory: Factory
) -> None:
    north = peer.north
    before = full_ratings(north, TEAM1, 2)
    assert put_ratings(client, north, opened, "cas", before, submit=True).status_code == 200
    teacher = north.headers("teacher")
    teams = f"{API}/projects/{north.project_id}/teams"
    moved_out = client.put(
        f"{teams}/{north.team1}/members",
        json={"member_ids": [north.id(n) for n in ("student", "ann", "bob")]},
        headers=teacher,
    )
    assert moved_out.status_code == 200, moved_out.text
    new_team1 = moved_out.json()["id"]
    moved_in = client.put(
        f"{teams}/{north.team2}/members",
        json={"member_ids": [north.id(n) for n in ("dee", "eli", "fay", "cas")]},
        headers=teacher,
    )
    assert moved_in.status_code == 200, moved_in.text
    new_team2 = moved_in.json()["id"]
    assert {new_team1, new_team2}.isdisjoint({north.team1, north.team2})
    evaluation = client.get(evaluation_url(opened), headers=teacher).json()
    assert evaluation["linked_team_ids"] == sorted([north.team1, north.team2])
    # Cas still rates in the version they were given the evaluation in, with its members.
    form = client.get(mine_url(opened), headers=north.headers("cas")).json()
    assert form["project_team_id"] == north.team1
    assert {m["id"] for m in form["members"]} == {north.id(n) for n in TEAM1}
    changed = full_ratings(north, TEAM1, 3)
    assert put_ratings(client, north, opened, "cas", changed).status_code == 200
    rows = _ratings_rows(session_factory, opened)
    assert {row[0] for row in rows} == {north.team1}
    assert {row[4] for row in rows} == {3}
    # Rating a new teammate of the new version is refused.
    dee = [{"ratee_id": north.id("dee"), "criterion_id": north.criteria[0], "score": 3}]
    assert put_ratings(client, north, opened, "cas", dee).status_code == 422
    progress = client.get(evaluation_url(opened, "/progress"), headers=teacher).json()
    assert [team["project_team_id"] for team in progress["teams"]] == [north.team1, north.team2]
    assert [len(team["members"]) for team in progress["teams"]] == [4, 3]


def test_without_self_rating_the_form_and_a_submission_leave_the_caller_out(
    client: TestClient, peer: PeerWorld
) -> None:
    north = peer.north
    evaluation_id = create(client, north).json()["id"]
    move(client, north, evaluation_id, "open")
    form = client.get(mine_url(evaluation_id), headers=north.headers("bob")).json()
    assert [m["name"] for m in form["members"]] == ["Ann", "Cas", north.students["student"].name]
    assert not any(m["is_self"] for m in form["members"])
    teammates = ["student", "ann", "cas"]
    submitted = put_ratings(
        client, north, evaluation_id, "bob", full_ratings(north, teammates), submit=True
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["submission"] == "submitted"
    factors = client.get(
        evaluation_url(evaluation_id, "/factors"), headers=north.headers("teacher")
    ).json()
    bob = next(s for s in factors["students"] if s["student_id"] == north.id("bob"))
    assert bob["submitted"] is True
    assert "did_not_submit" not in bob["flags"]
