"""One peer evaluation played through over HTTP, shared by the publishing and anonymity tests.

North's evaluation (include_self, model webpa, linked to the project's assessment). Team 1:
``student``, ``ann`` and ``bob`` submit, ``cas`` only saves a draft (a 1 and a comment on Ann
that must never reach anyone). Team 2: ``dee`` and ``eli`` submit, ``fay`` submits the same
score everywhere (a flat rater). The assessment gets team scores (team 1: 4 and 3, team 2: 2
and 5 on criteria of weight 1 and 2) and is published; the teacher hides Bob's comment on Ann.
``RATINGS`` is the oracle's copy of every *counted* rating.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.assessments.lifecycle.helpers import criteria_of, put_scores
from tests.assessments.lifecycle.helpers import move as move_assessment
from tests.peer.api.conftest import (
    PeerWorld,
    School,
    create,
    evaluation_url,
    move,
    put_ratings,
)

TEAM1 = ["student", "ann", "bob", "cas"]
TEAM2 = ["dee", "eli", "fay"]
TEAM_SCORES = {1: (4, 3), 2: (2, 5)}
DRAFT_COMMENT = "CAS-DRAFT: Ann did nothing"
HIDDEN_COMMENT = "Great notes, but late"
SHOWN_COMMENT = "Ann leads well"

# rater -> ratee -> (score on criterion 1, score on criterion 2), comment
Given = dict[str, dict[str, tuple[tuple[int, int], str | None]]]
SUBMITTED: Given = {
    "student": {
        "student": ((4, 4), None),
        "ann": ((4, 4), SHOWN_COMMENT),
        "bob": ((4, 4), None),
        "cas": ((4, 4), None),
    },
    "ann": {
        "student": ((3, 3), None),
        "ann": ((5, 5), "I did most of it"),
        "bob": ((3, 3), None),
        "cas": ((2, 2), None),
    },
    "bob": {
        "student": ((3, 3), None),
        "ann": ((5, 4), HIDDEN_COMMENT),
        "bob": ((3, 3), None),
        "cas": ((2, 1), "Cas missed meetings"),
    },
    "dee": {"dee": ((4, 4), None), "eli": ((4, 4), None), "fay": ((4, 4), None)},
    "eli": {"dee": ((5, 5), "Dee carried us"), "eli": ((4, 4), None), "fay": ((2, 2), None)},
    "fay": {"dee": ((3, 3), None), "eli": ((3, 3), None), "fay": ((3, 3), None)},
}
DRAFTS: Given = {"cas": {"ann": ((1, 1), DRAFT_COMMENT), "cas": ((5, 5), None)}}


def body_of(school: School, given: dict[str, tuple[tuple[int, int], str | None]]) -> list[Any]:
    return [
        {
            "ratee_id": school.id(ratee),
            "criterion_id": criterion,
            "score": scores[index],
            **({"comment": comment} if comment and index == 0 else {}),
        }
        for ratee, (scores, comment) in given.items()
        for index, criterion in enumerate(school.criteria)
    ]


@dataclass
class Played:
    evaluation_id: int
    school: School
    responses: list[Any]  # every student response along the way, for the anonymity test


def play(
    client: TestClient,
    peer: PeerWorld,
    factory: sessionmaker[Session],
    *,
    publish: bool = True,
    settings: dict[str, Any] | None = None,
) -> Played:
    north = peer.north
    created = create(
        client, north, include_self=True, assessment_id=north.assessment_id, **(settings or {})
    )
    assert created.status_code == 201, created.text
    evaluation_id = created.json()["id"]
    move(client, north, evaluation_id, "open")
    responses: list[Any] = []
    for rater, given in DRAFTS.items():
        response = put_ratings(client, north, evaluation_id, rater, body_of(north, given))
        assert response.status_code == 200, response.text
        responses.append(response)
    for rater, given in SUBMITTED.items():
        response = put_ratings(client, north, evaluation_id, rater, body_of(north, given), True)
        assert response.status_code == 200, response.text
        responses.append(response)
    _grade_the_assessment(client, north, factory)
    teacher = north.headers("teacher")
    matrix = client.get(
        evaluation_url(evaluation_id, "/matrix"), params={"team_id": north.team1}, headers=teacher
    ).json()
    (hidden,) = [r["id"] for r in matrix["ratings"] if r["comment"] == HIDDEN_COMMENT]
    hide = client.patch(
        evaluation_url(evaluation_id, f"/ratings/{hidden}"),
        json={"comment_hidden": True},
        headers=teacher,
    )
    assert hide.status_code == 200, hide.text
    move(client, north, evaluation_id, "closed")
    if publish:
        move(client, north, evaluation_id, "published")
    return Played(evaluation_id, north, responses)


def _grade_the_assessment(
    client: TestClient, north: School, factory: sessionmaker[Session]
) -> None:
    teacher = north.headers("teacher")
    move_assessment(client, north.assessment_id, teacher, "open")
    criteria = criteria_of(factory, north.project_rubric_id)
    for team_number, team_id in ((1, north.team1), (2, north.team2)):
        scores = dict(zip(criteria, TEAM_SCORES[team_number], strict=True))
        put_scores(factory, north.assessment_id, team_id, scores)
    move_assessment(client, north.assessment_id, teacher, "published")
