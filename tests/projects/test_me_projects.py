"""GET /me/projects: the visible projects of the caller's courses, a student's own current team
with their teammates' names (no emails, nothing of other teams), in a constant number of
statements whatever the number of projects."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from teameval.models import Project, Role, User
from tests.factories import enroll, make_project, make_team, make_user
from tests.projects.project_helpers import Factory, app_engine
from tests.roster.conftest import API, RosterWorld, bearer, build_worlds
from tests.statements import recorded_statements


@pytest.fixture
def worlds(session_factory: Factory) -> RosterWorld:
    return build_worlds(session_factory, "north", "south")


def _me(client: TestClient, worlds: RosterWorld, role: str, query: str = "") -> dict[str, Any]:
    response = client.get(f"{API}/me/projects{query}", headers=bearer(worlds.north, role))
    assert response.status_code == 200, response.text
    return dict(response.json())


def _project(client: TestClient, worlds: RosterWorld, project_id: int) -> dict[str, Any]:
    # The project's own fields as GET /projects/{id} answers them (an admin reads any).
    response = client.get(f"{API}/projects/{project_id}", headers=bearer(worlds.north, "admin"))
    return dict(response.json())


def _course(worlds: RosterWorld) -> dict[str, Any]:
    course = worlds.north.course
    return {"id": course.id, "code": course.code, "name": course.name}


@pytest.fixture
def classmates(worlds: RosterWorld, session_factory: Factory) -> dict[str, Any]:
    """Around the world's student: a teammate in team 1, a stranger in team 2 of the same
    project, a completed project where the student has no team, a draft and an archived project
    (invisible to students), a project whose only team with the student is superseded, and a
    project of a course the student is not in."""
    north = worlds.north
    with session_factory.begin() as session:
        world_project = session.get(Project, worlds.north_project.id)
        assert world_project is not None
        teammate = make_user(session, north.school, Role.STUDENT, "ada@north.org", "Ada Lovelace")
        stranger = make_user(session, north.school, Role.STUDENT, "zed@north.org", "Zed Stranger")
        enroll(session, north.course, teammate, stranger)
        # The world's team 1 holds the student; the teammate joins it.
        team = make_team(session, world_project, 2, stranger)
        from teameval.models import ProjectTeamMember

        session.add(
            ProjectTeamMember(
                school_id=north.school.id,
                project_team_id=worlds.north_team.id,
                project_id=world_project.id,
                is_current=True,
                user_id=teammate.id,
            )
        )
        completed = make_project(session, north.course, "Completed one", status="completed")
        make_project(session, north.course, "Draft one", status="draft")
        make_project(session, north.course, "Archived one", status="archived")
        old = make_project(session, north.course, "Old layout", status="active")
        student = session.get(User, north.student.id)
        assert student is not None
        superseded = make_team(session, old, 1, student)
        superseded.is_current = False  # cascades to its member rows
        make_team(session, old, 1, stranger)
        elsewhere = make_project(session, north.other_course, "Other course", status="active")
        session.flush()
        return {
            "teammate": teammate.id,
            "stranger": stranger.id,
            "team2": team.id,
            "completed": completed.id,
            "old": old.id,
            "elsewhere": elsewhere.id,
        }


def test_a_student_sees_their_projects_with_their_own_team(
    client: TestClient, worlds: RosterWorld, classmates: dict[str, Any]
) -> None:
    page = _me(client, worlds, "student")
    north = worlds.north
    # Undated projects, in id order: the world's project, then the completed one, then "Old".
    assert page == {
        "items": [
            {
                **_project(client, worlds, worlds.north_project.id),
                "course": _course(worlds),
                "my_team": {
                    "id": worlds.north_team.id,
                    "team_number": 1,
                    "name": "Team 1",
                    "version": 1,
                    # Names only, by name: no emails, no student numbers, nobody of team 2.
                    "members": [
                        {"id": classmates["teammate"], "name": "Ada Lovelace"},
                        {"id": north.student.id, "name": north.student.name},
                    ],
                },
            },
            {
                **_project(client, worlds, classmates["completed"]),
                "course": _course(worlds),
                "my_team": None,
            },
            {
                **_project(client, worlds, classmates["old"]),
                "course": _course(worlds),
                "my_team": None,
            },
        ],
        "total": 3,
        "page": 1,
        "page_size": 50,
    }


def test_the_stranger_sees_their_own_team_not_the_students(
    client: TestClient, worlds: RosterWorld, classmates: dict[str, Any], session_factory: Factory
) -> None:
    with session_factory() as session:
        stranger = session.get(User, classmates["stranger"])
        assert stranger is not None
        worlds.north.other_student = stranger  # sign in as the stranger through bearer()
    items = _me(client, worlds, "other_student")["items"]
    teams = {item["title"]: item["my_team"] for item in items}
    assert teams["Projectweek"] == {
        "id": classmates["team2"],
        "team_number": 2,
        "name": "Team 2",
        "version": 1,
        "members": [{"id": classmates["stranger"], "name": "Zed Stranger"}],
    }
    assert teams["Old layout"]["members"] == [
        {"id": classmates["stranger"], "name": "Zed Stranger"}
    ]


def test_staff_see_their_courses_projects_without_a_team(
    client: TestClient, worlds: RosterWorld, classmates: dict[str, Any]
) -> None:
    course_titles = [
        "Projectweek",
        "Completed one",
        "Draft one",
        "Archived one",
        "Old layout",
    ]
    teacher = _me(client, worlds, "teacher")["items"]
    assert [item["title"] for item in teacher] == course_titles
    assert {item["my_team"] is None for item in teacher} == {True}
    assert [item["title"] for item in _me(client, worlds, "other_teacher")["items"]] == [
        "Other course"
    ]
    admin = _me(client, worlds, "admin")["items"]
    assert sorted(item["title"] for item in admin) == sorted([*course_titles, "Other course"])
    assert {item["course"]["code"] for item in admin} == {"OO-4A", "NLT-5"}


def test_a_student_whose_enrollment_ended_sees_nothing(
    client: TestClient, worlds: RosterWorld
) -> None:
    admin = bearer(worlds.north, "admin")
    course, student = worlds.north.course.id, worlds.north.student.id
    ended = client.delete(f"{API}/courses/{course}/students/{student}", headers=admin)
    assert ended.status_code == 204, ended.text
    assert _me(client, worlds, "student")["items"] == []


def _add_projects(factory: Factory, worlds: RosterWorld, how_many: int) -> None:
    """Projects where the student and one teammate are in team 1."""
    with factory.begin() as session:
        student = session.get(User, worlds.north.student.id)
        assert student is not None
        teammate = session.get(User, worlds.north.other_student.id)
        assert teammate is not None
        for index in range(how_many):
            project = make_project(session, worlds.north.course, f"Bulk {index}")
            make_team(session, project, 1, student, teammate)


def test_statements_are_constant_for_1_or_20_projects(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    with session_factory.begin() as session:
        teammate = session.get(User, worlds.north.other_student.id)
        assert teammate is not None
        enroll(session, worlds.north.course, teammate)
    with recorded_statements(app_engine(client)) as one:
        small = _me(client, worlds, "student")
    assert small["total"] == 1
    _add_projects(session_factory, worlds, 19)
    with recorded_statements(app_engine(client)) as twenty:
        large = _me(client, worlds, "student")
    assert large["total"] == 20
    assert [len(item["my_team"]["members"]) for item in large["items"][1:]] == [2] * 19
    assert len(twenty) == len(one), twenty
