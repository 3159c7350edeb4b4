"""Races on PostgreSQL, through a real server: concurrent requests putting one student in two
teams, creating two teams with one student, or changing one locked team twice. Exactly one
wins, the other answers 409, and the database never holds the student in two current teams."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.projects.teams.team_helpers import current_teams_of, enrolled_students, members_of
from tests.roster.conftest import RosterWorld, bearer
from tests.roster.race_server import Call, assert_only, burst, served, statuses

pytestmark = pytest.mark.postgres_only
Factory = sessionmaker[Session]
ROUNDS = 4  # bounded: each round is one burst of two requests


@pytest.fixture
def base(db_url: str, backend: str, tmp_path: Path) -> Iterator[str]:
    if backend != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises every writer)")
    with served(db_url, tmp_path / "serve.log") as url:
        yield url


def _teams(project_id: int) -> str:
    return f"/projects/{project_id}/teams"


def test_one_student_set_into_two_teams_at_once(
    worlds: RosterWorld, session_factory: Factory, base: str
) -> None:

    project = worlds.north_project.id
    teacher = bearer(worlds.north, "teacher")
    with httpx.Client(base_url=base) as http:
        a = http.post(_teams(project), json={}, headers=teacher).json()["id"]
        b = http.post(_teams(project), json={}, headers=teacher).json()["id"]
    students = enrolled_students(session_factory, worlds.north, ROUNDS, "racer")
    for student in students:
        answers = burst(
            base,
            [
                Call("PUT", f"{_teams(project)}/{team}/members", teacher, {"member_ids": [student]})
                for team in (a, b)
            ],
        )
        assert_only(answers, {200, 409})
        assert statuses(answers) == {200: 1, 409: 1}, [(x.status, x.body) for x in answers]
        (winner,) = [answer for answer in answers if answer.status == 200]
        assert current_teams_of(session_factory, project, student) == [winner.body["id"]]
        loser_team = b if winner.body["id"] == a else a
        assert student not in members_of(session_factory, loser_team)
        # Next round starts empty again.
        with httpx.Client(base_url=base) as http:
            http.put(
                f"{base}{_teams(project)}/{winner.body['id']}/members",
                json={"member_ids": []},
                headers=teacher,
            ).raise_for_status()


def test_two_new_teams_with_one_student_at_once(
    worlds: RosterWorld, session_factory: Factory, base: str
) -> None:
    project = worlds.north_project.id
    teacher = bearer(worlds.north, "teacher")
    students = enrolled_students(session_factory, worlds.north, ROUNDS, "creator")
    for student in students:
        answers = burst(
            base, [Call("POST", _teams(project), teacher, {"member_ids": [student]})] * 2
        )
        assert_only(answers, {201, 409})
        assert statuses(answers) == {201: 1, 409: 1}, [(x.status, x.body) for x in answers]
        (winner,) = [answer for answer in answers if answer.status == 201]
        assert current_teams_of(session_factory, project, student) == [winner.body["id"]]


def test_one_locked_team_changed_twice_at_once(
    worlds: RosterWorld, session_factory: Factory, base: str
) -> None:

    project, team = worlds.north_project.id, worlds.north_team.id
    teacher = bearer(worlds.north, "teacher")
    first, second = enrolled_students(session_factory, worlds.north, 2, "locker")
    with httpx.Client(base_url=base) as http:
        http.post(f"{_teams(project)}/{team}/lock", headers=teacher).raise_for_status()
    answers = burst(
        base,
        [
            Call("PUT", f"{_teams(project)}/{team}/members", teacher, {"member_ids": [student]})
            for student in (first, second)
        ],
    )
    assert_only(answers, {200, 409})
    assert statuses(answers) == {200: 1, 409: 1}, [(x.status, x.body) for x in answers]
    (winner,) = [answer for answer in answers if answer.status == 200]
    (loser,) = [answer for answer in answers if answer.status == 409]
    assert winner.body["version"] == 2
    assert loser.body["current_team_id"] == winner.body["id"]
    assert members_of(session_factory, team) == [worlds.north.student.id]
    assert members_of(session_factory, winner.body["id"]) == [
        member["id"] for member in winner.body["members"]
    ]


def test_unenroll_racing_a_team_assignment_never_leaves_a_departed_member(
    worlds: RosterWorld, session_factory: Factory, base: str
) -> None:
    """Whichever runs first, the student ends unenrolled and in no current team: the layout
    either sees the enrollment gone (422) or the unenrollment takes them out again."""
    project, course = worlds.north_project.id, worlds.north.course.id
    teacher = bearer(worlds.north, "teacher")
    with httpx.Client(base_url=base) as http:
        team = http.post(_teams(project), json={}, headers=teacher).json()["id"]
    for student in enrolled_students(session_factory, worlds.north, ROUNDS, "leaver"):
        answers = burst(
            base,
            [
                Call("DELETE", f"/courses/{course}/students/{student}", teacher),
                Call(
                    "PUT",
                    f"{_teams(project)}/{team}/members",
                    teacher,
                    {"member_ids": [student]},
                ),
            ],
        )
        assert_only(answers, {200, 204, 422})
        assert answers[0].status == 204
        assert current_teams_of(session_factory, project, student) == []
