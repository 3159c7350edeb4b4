"""Role and tenant matrices for every peer evaluation route, on both engines: the school's
admin, the course's teacher, another teacher, a student of the team, a student in no team, and
the other school's admin, teacher and student. Staff routes: 2xx for admin and teacher, 403 for
the other teacher and students, 404 for another school (invariant 1). Student routes: only a
member of a linked team version gets an answer; everyone else the 404 an unknown id gets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.peer.api.conftest import (
    PeerWorld,
    School,
    create,
    evaluation_url,
    full_ratings,
    mine_url,
    move,
    put_ratings,
)
from tests.roster.conftest import API, Headers

# (school, role) of each caller; students by their key in School.students.
CALLERS = [
    ("north", "admin"),
    ("north", "teacher"),
    ("north", "other_teacher"),
    ("north", "student"),
    ("north", "lone"),
    ("south", "admin"),
    ("south", "teacher"),
    ("south", "student"),
]
STAFF = {
    ("north", "admin"): "ok",
    ("north", "teacher"): "ok",
    ("north", "other_teacher"): 403,
    ("north", "student"): 403,
    ("north", "lone"): 403,
}
Call = Callable[[TestClient, Headers, dict[str, Any]], Any]


def _get(path: str, **params: Any) -> Call:
    return lambda client, headers, ids: client.get(
        path.format(**ids), headers=headers, params={k: ids[v] for k, v in params.items()}
    )


def _send(method: str, path: str, body: Callable[[dict[str, Any]], Any]) -> Call:
    return lambda client, headers, ids: client.request(
        method, path.format(**ids), headers=headers, json=body(ids)
    )


ONE = API + "/peer-evaluations/{evaluation}"
STAFF_ROUTES: dict[str, tuple[Call, int]] = {
    "createPeerEvaluation": (
        _send(
            "POST",
            API + "/projects/{project}/peer-evaluations",
            lambda ids: {"title": "T", "rubric_id": ids["rubric"]},
        ),
        201,
    ),
    "listProjectPeerEvaluations": (_get(API + "/projects/{project}/peer-evaluations"), 200),
    "getPeerEvaluation": (_get(ONE), 200),
    "updatePeerEvaluation": (_send("PATCH", ONE, lambda ids: {}), 200),
    "getPeerEvaluationProgress": (_get(ONE + "/progress"), 200),
    "getPeerEvaluationMatrix": (_get(ONE + "/matrix", team_id="team"), 200),
    "getPeerEvaluationFactors": (_get(ONE + "/factors"), 200),
    "getPeerEvaluationPreview": (_get(ONE + "/preview"), 200),
    "exportPeerEvaluation": (_get(ONE + "/export.csv"), 200),
    "hidePeerRatingComment": (
        _send("PATCH", ONE + "/ratings/{rating}", lambda ids: {"comment_hidden": False}),
        200,
    ),
}
MINE = API + "/me/peer-evaluations/{evaluation}"
STUDENT_ROUTES: dict[str, tuple[Call, int]] = {
    "getMyPeerEvaluation": (_get(MINE), 200),
    "saveMyPeerRatings": (_send("PUT", MINE + "/ratings", lambda ids: ids["ratings"]), 200),
    "getMyPeerFeedback": (_get(MINE + "/feedback"), 409),  # not published yet
}


def _world(client: TestClient, peer: PeerWorld, school: School) -> dict[str, Any]:
    evaluation_id = create(
        client, school, include_self=True, assessment_id=school.assessment_id
    ).json()["id"]
    move(client, school, evaluation_id, "open")
    ratings = full_ratings(school, ["student", "ann", "bob", "cas"])
    ratings[0]["comment"] = "ok"
    assert put_ratings(client, school, evaluation_id, "student", ratings).status_code == 200
    matrix = client.get(
        evaluation_url(evaluation_id, "/matrix"),
        params={"team_id": school.team1},
        headers=school.headers("teacher"),
    ).json()
    return {
        "evaluation": evaluation_id,
        "project": school.project_id,
        "rubric": school.rubric_id,
        "team": school.team1,
        "rating": matrix["ratings"][0]["id"],
        "ratings": {"ratings": ratings, "submit": False},
    }


def test_every_route_answers_each_role_and_school_as_it_should(
    client: TestClient, peer: PeerWorld
) -> None:
    schools = {"north": peer.north, "south": peer.south}
    ids = {name: _world(client, peer, school) for name, school in schools.items()}
    wrong: list[str] = []
    for school_name, who in CALLERS:
        headers = schools[school_name].headers(who)
        # Staff routes on north's evaluation (and project).
        for operation, (call, success) in STAFF_ROUTES.items():
            want = STAFF.get((school_name, who), 404)
            expected = success if want == "ok" else want
            got = call(client, headers, ids["north"]).status_code
            if got != expected:
                wrong.append(f"{operation} {school_name}/{who}: {got}, want {expected}")
        # Student routes: only north's team member gets past the 404.
        for operation, (call, success) in STUDENT_ROUTES.items():
            expected = success if (school_name, who) == ("north", "student") else 404
            got = call(client, headers, ids["north"]).status_code
            if got != expected:
                wrong.append(f"{operation} {school_name}/{who}: {got}, want {expected}")
        listed = client.get(f"{API}/me/peer-evaluations", headers=headers)
        mine = [item["id"] for item in listed.json()["items"]]
        want_mine = [ids[school_name]["evaluation"]] if who == "student" else []
        if listed.status_code != 200 or mine != want_mine:
            wrong.append(f"listMyPeerEvaluations {school_name}/{who}: {listed.status_code} {mine}")
    assert wrong == []


def test_ids_out_of_range_are_plain_404s(client: TestClient, peer: PeerWorld) -> None:
    north = peer.north
    teacher, student = north.headers("teacher"), north.headers("student")
    huge = 2**40
    assert client.get(evaluation_url(huge), headers=teacher).status_code == 404
    assert client.get(mine_url(huge), headers=student).status_code == 404
    evaluation_id = create(client, north).json()["id"]
    move(client, north, evaluation_id, "open")
    matrix = client.get(
        evaluation_url(evaluation_id, "/matrix"), params={"team_id": huge}, headers=teacher
    )
    assert matrix.status_code == 404
    other_team = client.get(
        evaluation_url(evaluation_id, "/matrix"),
        params={"team_id": peer.south.team1},
        headers=teacher,
    )
    assert other_team.status_code == 404
    hide = client.patch(
        evaluation_url(evaluation_id, f"/ratings/{huge}"),
        json={"comment_hidden": True},
        headers=teacher,
    )
    assert hide.status_code == 404
