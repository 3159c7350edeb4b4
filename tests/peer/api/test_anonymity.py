"""Anonymity held by the server (invariant 9), on both engines: every student response, before
and after publication, compared whole with what it must be; no field anywhere names a rater,
and no other student's draft (score or comment) ever appears."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.assessments.grading import decimal_text
from teameval.peer.schemas import MyPeerEvaluationOut
from tests.peer.api.conftest import DESCRIPTORS, PeerWorld, School, mine_url
from tests.peer.api.scenario import (
    DRAFT_COMMENT,
    DRAFTS,
    SHOWN_COMMENT,
    SUBMITTED,
    TEAM1,
    TEAM2,
    body_of,
    play,
)
from tests.peer.api.test_publish import SETTINGS, oracle
from tests.roster.conftest import API

Factory = sessionmaker[Session]


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _criteria(school: School) -> list[dict[str, Any]]:
    return [
        {
            "id": criterion,
            "name": f"Criterion {index + 1}",
            "weight": str(index + 1),
            "category": None,
            "descriptors": DESCRIPTORS if index == 0 else None,
            "position": index,
        }
        for index, criterion in enumerate(school.criteria)
    ]


def _own(school: School, who: str) -> list[dict[str, Any]]:
    given = SUBMITTED.get(who) or DRAFTS.get(who) or {}
    sent = body_of(school, given)
    return sorted(
        ({**rating, "comment": rating.get("comment")} for rating in sent),
        key=lambda r: (r["ratee_id"], r["criterion_id"]),
    )


def _expected_form(
    school: School, who: str, evaluation_id: int, status: str, body: dict[str, Any]
) -> dict[str, Any]:
    team = TEAM1 if who in TEAM1 else TEAM2
    others = sorted(
        (name for name in team if name != who), key=lambda n: (school.students[n].name, n)
    )
    state = "submitted" if who in SUBMITTED else ("draft" if who in DRAFTS else "none")
    return {
        "id": evaluation_id,
        "project_id": school.project_id,
        "title": "Peer review",
        "status": status,
        "include_self": True,
        "opens_at": None,
        "closes_at": None,
        "project_team_id": school.team1 if team is TEAM1 else school.team2,
        "editable": status == "open",
        "submission": state,
        "submitted_at": body["submitted_at"] if state == "submitted" else None,
        "team_number": 1 if team is TEAM1 else 2,
        "scale_min": 1,
        "scale_max": 5,
        "members": [
            {"id": school.id(name), "name": school.students[name].name, "is_self": name == who}
            for name in [who, *others]
        ],
        "criteria": _criteria(school),
        "ratings": _own(school, who),
    }


def _summary(form: dict[str, Any]) -> dict[str, Any]:
    return {key: form[key] for key in MyPeerEvaluationOut.model_fields}


def _check_everything_a_student_sees(
    client: TestClient, school: School, evaluation_id: int, status: str
) -> None:
    """Every student's list, form and feedback, compared whole."""
    for who in TEAM1 + TEAM2:
        headers = school.headers(who)
        form = client.get(mine_url(evaluation_id), headers=headers)
        assert form.status_code == 200, form.text
        expected = _expected_form(school, who, evaluation_id, status, form.json())
        assert form.json() == expected, who
        listed = client.get(f"{API}/me/peer-evaluations", headers=headers)
        assert listed.json() == {
            "items": [_summary(expected)],
            "total": 1,
            "page": 1,
            "page_size": listed.json()["page_size"],
        }
        feedback = client.get(mine_url(evaluation_id, "/feedback"), headers=headers)
        if status != "published":
            assert feedback.status_code == 409
            assert feedback.json() == {
                "type": "/problems/conflict",
                "title": "Conflict",
                "status": 409,
                "detail": f"Peer evaluation {evaluation_id} is {status}; feedback is shown once "
                "it is published.",
                "evaluation_status": status,
                "instance": f"/api/v1/me/peer-evaluations/{evaluation_id}/feedback",
            }
        assert "rater_id" not in _keys(form.json()) | _keys(feedback.json())
        if who != "cas":
            assert DRAFT_COMMENT not in form.text + listed.text + feedback.text


def test_students_see_only_their_own_before_publication(
    client: TestClient, peer: PeerWorld, session_factory: Factory
) -> None:
    played = play(client, peer, session_factory, publish=False)
    north = played.school
    # Every answer of the ratings PUT along the way was the rater's own form only.
    for response in played.responses:
        assert "rater_id" not in _keys(response.json())
        who = next(n for n in TEAM1 + TEAM2 if north.id(n) == _self_id(response.json()))
        assert response.json()["ratings"] == _own(north, who)
    _check_everything_a_student_sees(client, north, played.evaluation_id, "closed")
    # Staff have no "own" evaluation: an empty list and the same 404 as an unknown id.
    teacher = north.headers("teacher")
    assert client.get(f"{API}/me/peer-evaluations", headers=teacher).json()["total"] == 0
    assert client.get(mine_url(played.evaluation_id), headers=teacher).status_code == 404


def _self_id(form: dict[str, Any]) -> int:
    (me,) = [member["id"] for member in form["members"] if member["is_self"]]
    return int(me)


def test_feedback_after_publication_is_means_and_unnamed_comments(
    client: TestClient, peer: PeerWorld, session_factory: Factory
) -> None:
    played = play(client, peer, session_factory)
    north, evaluation_id = played.school, played.evaluation_id
    _check_everything_a_student_sees(client, north, evaluation_id, "published")
    expected = oracle(north, SETTINGS[0])
    c1, c2 = north.criteria

    def result(who: str) -> dict[str, Any]:
        want = expected[north.id(who)]
        return {
            "model": "webpa",
            "factor": want["factor"],
            "base_grade": decimal_text(want["grades"]["none"]),
            "grade": decimal_text(want["grade"]),
        }

    ann = client.get(mine_url(evaluation_id, "/feedback"), headers=north.headers("ann"))
    assert ann.json() == {
        "evaluation_id": evaluation_id,
        "title": "Peer review",
        "criteria": [
            # Peers who submitted: student (4, 4) and bob (5, 4); Cas's draft 1 never counts.
            {
                "criterion_id": c1,
                "name": "Criterion 1",
                "peer_mean": "4.50",
                "peer_ratings": 2,
                "self_score": 5,
            },
            {
                "criterion_id": c2,
                "name": "Criterion 2",
                "peer_mean": "4.00",
                "peer_ratings": 2,
                "self_score": 5,
            },
        ],
        # Bob's comment was hidden by the teacher; Cas's was a draft; her own is not feedback.
        "comments": [SHOWN_COMMENT],
        "result": result("ann"),
    }
    cas = client.get(mine_url(evaluation_id, "/feedback"), headers=north.headers("cas"))
    assert cas.json() == {
        "evaluation_id": evaluation_id,
        "title": "Peer review",
        "criteria": [
            {
                "criterion_id": c1,
                "name": "Criterion 1",
                "peer_mean": "2.67",
                "peer_ratings": 3,
                "self_score": None,  # their own self-rating was a draft
            },
            {
                "criterion_id": c2,
                "name": "Criterion 2",
                "peer_mean": "2.33",
                "peer_ratings": 3,
                "self_score": None,
            },
        ],
        "comments": ["Cas missed meetings"],
        "result": result("cas"),
    }
    # Another school's student, or one in no team, has no such evaluation.
    for school, who in ((north, "lone"), (peer.south, "ann")):
        response = client.get(mine_url(evaluation_id, "/feedback"), headers=school.headers(who))
        assert response.status_code == 404
