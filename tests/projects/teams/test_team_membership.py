"""Who may be in a team, through HTTP: actively enrolled students of the school, once per
layout, in at most one current team per project. Another school's student answers exactly like
an id that does not exist (invariant 1)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.projects.teams.team_helpers import (
    enrolled_students,
    member_rows,
    team_rows,
    teams_url,
)
from tests.roster.conftest import RosterWorld, bearer

Factory = sessionmaker[Session]


def _without_ids(body: dict[str, Any], student_id: int) -> dict[str, Any]:
    return {
        **body,
        "detail": body["detail"],
        "errors": [
            {**error, "student_id": 0} if error["student_id"] == student_id else error
            for error in body["errors"]
        ],
    }


def test_a_student_not_enrolled_is_named_in_a_422(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    north = worlds.north
    before = team_rows(session_factory, worlds.north_project.id)
    response = client.post(
        teams_url(worlds.north_project.id),
        json={"member_ids": [north.other_student.id]},
        headers=bearer(north, "teacher"),
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {
            "field": "member_ids",
            "student_id": north.other_student.id,
            "message": "not actively enrolled in course OO-4A",
        }
    ]
    assert team_rows(session_factory, worlds.north_project.id) == before


def test_an_archived_student_is_a_409_naming_them(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    north = worlds.north
    response = client.put(
        f"{teams_url(worlds.north_project.id)}/{worlds.north_team.id}/members",
        json={"member_ids": [north.student.id, north.archived_student.id]},
        headers=bearer(north, "teacher"),
    )
    assert response.status_code == 409, response.text
    assert response.json()["student_ids"] == [north.archived_student.id]
    assert str(north.archived_student.id) in response.json()["detail"]


def test_another_schools_student_answers_like_an_unknown_id(
    client: TestClient, worlds: RosterWorld
) -> None:
    url = teams_url(worlds.north_project.id)
    teacher = bearer(worlds.north, "teacher")
    foreign_id = worlds.south.student.id
    unknown_id = 2_000_000_000
    foreign = client.post(url, json={"member_ids": [foreign_id]}, headers=teacher)
    unknown = client.post(url, json={"member_ids": [unknown_id]}, headers=teacher)
    assert foreign.status_code == unknown.status_code == 422
    assert _without_ids(foreign.json(), foreign_id) == _without_ids(unknown.json(), unknown_id)
    assert foreign.json()["errors"] == [
        {"field": "member_ids", "student_id": foreign_id, "message": "not a student of this school"}
    ]
    # A teacher of the school is no student either.
    staff = client.post(url, json={"member_ids": [worlds.north.teacher.id]}, headers=teacher)
    assert staff.status_code == 422
    assert staff.json()["errors"][0]["message"] == "not a student of this school"


def test_a_student_twice_in_one_layout_is_a_422(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    (other,) = enrolled_students(session_factory, worlds.north, 1, "twice")
    student = worlds.north.student.id
    response = client.put(
        teams_url(worlds.north_project.id),
        json={
            "teams": [
                {"team_number": 1, "member_ids": [student, other]},
                {"team_number": 2, "member_ids": [student]},
            ]
        },
        headers=bearer(worlds.north, "teacher"),
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {
            "field": "teams[1].member_ids",
            "student_id": student,
            "message": "listed more than once in this layout",
        }
    ]


def test_a_student_in_another_current_team_is_a_409_naming_both(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    project, team, student = worlds.north_project, worlds.north_team, worlds.north.student
    before = (team_rows(session_factory, project.id), member_rows(session_factory, project.id))
    response = client.post(
        teams_url(project.id),
        json={"team_number": 2, "member_ids": [student.id]},
        headers=bearer(worlds.north, "teacher"),
    )
    assert response.status_code == 409, response.text
    assert response.json()["conflicts"] == [
        {"student_id": student.id, "team_id": team.id, "team_number": 1}
    ]
    assert before == (
        team_rows(session_factory, project.id),
        member_rows(session_factory, project.id),
    )


def test_a_taken_team_number_is_a_409_and_the_default_is_the_lowest_free(
    client: TestClient, worlds: RosterWorld
) -> None:
    url = teams_url(worlds.north_project.id)
    teacher = bearer(worlds.north, "teacher")
    taken = client.post(url, json={"team_number": 1, "member_ids": []}, headers=teacher)
    assert taken.status_code == 409
    assert taken.json()["current_team_id"] == worlds.north_team.id
    three = client.post(url, json={"team_number": 3, "member_ids": []}, headers=teacher)
    assert three.status_code == 201
    two = client.post(url, json={"name": "Second", "member_ids": []}, headers=teacher)
    assert (two.json()["team_number"], two.json()["name"]) == (2, "Second")
    four = client.post(url, json={}, headers=teacher)
    assert (four.json()["team_number"], four.json()["name"]) == (4, "Team 4")
