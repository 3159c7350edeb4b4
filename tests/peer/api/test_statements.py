"""No query per row: every peer read sends as many statements for a small evaluation (two
teams, one rater) as for a bigger one (three teams, everyone rating), on both engines."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import CourseEnrollment, Project, Role
from tests.factories import make_team, make_user
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
from tests.roster.conftest import API
from tests.statements import recorded_statements

Factory = sessionmaker[Session]
TEAMS = [["student", "ann", "bob", "cas"], ["dee", "eli", "fay"], ["gus", "hal", "ivy"]]


def _counts(client: TestClient, school: School, evaluation_id: int) -> dict[str, int]:
    teacher, student = school.headers("teacher"), school.headers("student")
    reads: dict[str, tuple[str, dict[str, Any], dict[str, str]]] = {
        "get": (evaluation_url(evaluation_id), {}, teacher),
        "list": (f"{API}/projects/{school.project_id}/peer-evaluations", {}, teacher),
        "progress": (evaluation_url(evaluation_id, "/progress"), {}, teacher),
        "matrix": (evaluation_url(evaluation_id, "/matrix"), {"team_id": school.team1}, teacher),
        "factors": (evaluation_url(evaluation_id, "/factors"), {}, teacher),
        "preview": (evaluation_url(evaluation_id, "/preview"), {}, teacher),
        "export": (evaluation_url(evaluation_id, "/export.csv"), {}, teacher),
        "mine": (f"{API}/me/peer-evaluations", {}, student),
        "form": (mine_url(evaluation_id), {}, student),
    }
    counts = {}
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    for name, (url, params, headers) in reads.items():
        assert client.get(url, params=params, headers=headers).status_code == 200
        with recorded_statements(engine) as sent:
            assert client.get(url, params=params, headers=headers).status_code == 200
        counts[name] = len(sent)
    return counts


def _third_team(factory: Factory, school: School) -> None:
    with factory.begin() as session:
        project = session.get_one(Project, school.project_id)
        slug = school.world.school.slug
        for name in TEAMS[2]:
            user = make_user(
                session, school.world.school, Role.STUDENT, f"{name}@{slug}.example.org"
            )
            session.add(
                CourseEnrollment(
                    school_id=project.school_id, course_id=project.course_id, student_id=user.id
                )
            )
            school.students[name] = user
        make_team(session, project, 3, *(school.students[n] for n in TEAMS[2]))


def test_reads_send_a_constant_number_of_statements(
    client: TestClient, peer: PeerWorld, session_factory: Factory
) -> None:
    north = peer.north
    small = create(client, north, include_self=True, assessment_id=north.assessment_id)
    small_id = small.json()["id"]
    move(client, north, small_id, "open")
    first = put_ratings(client, north, small_id, "ann", full_ratings(north, TEAMS[0]))
    assert first.status_code == 200
    before = _counts(client, north, small_id)

    _third_team(session_factory, north)
    big = create(client, north, include_self=True, assessment_id=north.assessment_id)
    big_id = big.json()["id"]
    move(client, north, big_id, "open")
    for team in TEAMS:
        for rater in team:
            response = put_ratings(client, north, big_id, rater, full_ratings(north, team), True)
            assert response.status_code == 200, response.text
    assert (
        len(
            client.get(evaluation_url(big_id), headers=north.headers("teacher")).json()[
                "linked_team_ids"
            ]
        )
        == 3
    )
    after = _counts(client, north, big_id)
    assert after == before
