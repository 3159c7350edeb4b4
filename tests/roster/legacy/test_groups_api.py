"""Legacy teams through HTTP: dual-written with enrollments, or 410 Gone when switched off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import Group, GroupMember
from tests.factories import make_group
from tests.roster.conftest import API, RosterWorld, app_client, bearer
from tests.roster.db_checks import audit_actions, count, enrollment, last_audit_id, membership
from tests.roster.routes_table import ROUTES, Route, call

pytestmark = pytest.mark.legacy  # the legacy team API itself

Factory = sessionmaker[Session]


def _groups(world: RosterWorld) -> str:
    return f"{API}/courses/{world.north.course.id}/groups"


def test_list_groups_with_their_active_members(
    shared_client: TestClient, shared_worlds: RosterWorld
) -> None:
    north = shared_worlds.north
    response = shared_client.get(_groups(shared_worlds), headers=bearer(north, "teacher"))
    assert response.json()["total"] == 1
    assert response.json()["items"] == [
        {
            "id": shared_worlds.north_group.id,
            "course_id": north.course.id,
            "name": "OO-4A team 1",
            "team_number": 1,
            "members": [{"id": north.student.id, "email": north.student.email, "name": "Student"}],
        }
    ]


def test_create_group_names_it_and_refuses_a_taken_team_number(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    north = shared_worlds.north
    teacher = bearer(north, "teacher")
    made = shared_client.post(_groups(shared_worlds), json={"team_number": 2}, headers=teacher)
    assert made.status_code == 201
    assert (made.json()["name"], made.json()["members"]) == ("OO-4A team 2", [])
    named = shared_client.post(
        _groups(shared_worlds), json={"team_number": 3, "name": " Rockets "}, headers=teacher
    )
    assert named.json()["name"] == "Rockets"
    taken = shared_client.post(_groups(shared_worlds), json={"team_number": 1}, headers=teacher)
    assert taken.status_code == 409
    assert audit_actions(shared_session_factory, north.school.id) == ["group.created"] * 2


def test_adding_a_member_enrolls_and_removing_keeps_the_enrollment(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    north, group = shared_worlds.north, shared_worlds.north_group
    teacher = bearer(north, "teacher")
    student = north.other_student.id
    assert enrollment(shared_session_factory, north.course.id, student) is None
    added = shared_client.post(
        f"{_groups(shared_worlds)}/{group.id}/members",
        json={"student_id": student},
        headers=teacher,
    )
    assert added.status_code == 200
    assert {m["id"] for m in added.json()["members"]} == {north.student.id, student}
    assert enrollment(shared_session_factory, north.course.id, student) is True
    before = last_audit_id(shared_session_factory)
    removed = shared_client.delete(
        f"{_groups(shared_worlds)}/{group.id}/members/{student}", headers=teacher
    )
    assert removed.status_code == 204
    assert membership(shared_session_factory, group.id, student) is False
    assert enrollment(shared_session_factory, north.course.id, student) is True
    assert audit_actions(shared_session_factory, north.school.id, before) == [
        "group_member.deactivated"
    ]


def test_a_group_of_another_course_is_404(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    north = shared_worlds.north
    with shared_session_factory.begin() as session:
        other_group = make_group(session, session.merge(north.other_course), 1).id
    url = f"{_groups(shared_worlds)}/{other_group}/members"
    response = shared_client.post(
        url, json={"student_id": north.student.id}, headers=bearer(north, "admin")
    )
    assert response.status_code == 404
    assert membership(shared_session_factory, other_group, north.student.id) is None


def test_archived_students_cannot_join_a_team(
    shared_client: TestClient, shared_worlds: RosterWorld
) -> None:
    north = shared_worlds.north
    url = f"{_groups(shared_worlds)}/{shared_worlds.north_group.id}/members"
    body = {"student_id": north.archived_student.id}
    assert shared_client.post(url, json=body, headers=bearer(north, "teacher")).status_code == 409


# --- TEAMEVAL_LEGACY_GROUPS=off ------------------------------------------------------------------


@pytest.fixture(scope="module")
def legacy_off_client(shared_db_url: str) -> Iterator[TestClient]:
    with app_client(shared_db_url, legacy_groups="off") as client:
        yield client


LEGACY_ROUTES = [pytest.param(route, id=route.name) for route in ROUTES if route.legacy]


@pytest.mark.parametrize("route", LEGACY_ROUTES)
def test_legacy_routes_are_gone_when_switched_off(
    legacy_off_client: TestClient,
    shared_worlds: RosterWorld,
    shared_session_factory: Factory,
    route: Route,
) -> None:
    before = last_audit_id(shared_session_factory)
    response = call(
        legacy_off_client,
        shared_worlds,
        route.method,
        route.path,
        route.body,
        bearer(shared_worlds.north, "admin"),
    )
    assert response.status_code == 410
    problem = response.json()
    assert problem["type"] == "/problems/gone"
    assert "/students" in problem["detail"]
    assert "project teams" in problem["detail"]
    assert audit_actions(shared_session_factory, shared_worlds.north.school.id, before) == []


@pytest.mark.parametrize("route", LEGACY_ROUTES)
def test_legacy_routes_check_the_token_before_answering_gone(
    legacy_off_client: TestClient, shared_worlds: RosterWorld, route: Route
) -> None:
    response = call(legacy_off_client, shared_worlds, route.method, route.path, route.body, {})
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/unauthenticated"


def test_no_legacy_row_is_written_when_switched_off(
    legacy_off_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    north = shared_worlds.north
    admin = bearer(north, "admin")
    groups_before = count(shared_session_factory, Group, school_id=north.school.id)
    members_before = count(shared_session_factory, GroupMember, school_id=north.school.id)
    with_teams = {
        "email": "t@x.org",
        "name": "Teamed",
        "courses": ["OO-4A"],
        "teams": [{"course": "OO-4A", "team_number": 5}],
    }
    response = legacy_off_client.post(f"{API}/admin/students", json=with_teams, headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "teams"
    assert "TEAMEVAL_LEGACY_GROUPS=off" in response.json()["detail"]
    del with_teams["teams"]
    created = legacy_off_client.post(f"{API}/admin/students", json=with_teams, headers=admin)
    assert created.status_code == 201
    enrolled = legacy_off_client.post(
        f"{API}/courses/{north.course.id}/students",
        json={"student_id": north.other_student.id},
        headers=admin,
    )
    assert enrolled.status_code == 200
    assert count(shared_session_factory, Group, school_id=north.school.id) == groups_before
    assert count(shared_session_factory, GroupMember, school_id=north.school.id) == members_before
