"""POST /projects/{id}/teams/from-groups: the course's legacy groups become the project's layout."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from teameval.models import Project, ProjectTeam, ProjectTeamMember, Role, User
from tests.factories import make_group, make_team, make_user
from tests.projects.teams.sources_support import Factory, group_member, layout, students, tables
from tests.roster.conftest import API, RosterWorld, app_client, bearer

pytestmark = pytest.mark.legacy  # the project team source that copies legacy teams


def _groups(factory: Factory, worlds: RosterWorld) -> dict[str, int]:
    """Group 1 (the world's) holds ``student``; group 2 an enrolled student, a teacher, an
    archived student and an unenrolled one; group 3 only another unenrolled one."""
    north = worlds.north
    (enrolled,) = students(factory, north.course, 1, prefix="kim")
    with factory.begin() as session:
        two = make_group(session, north.course, 2)
        three = make_group(session, north.course, 3)
        school_id, course_id = north.school.id, north.course.id
        stranger = make_user(
            session, north.school, Role.STUDENT, "stranger@north.example.org", "Stranger"
        )
        for user_id in (enrolled, north.teacher.id, north.archived_student.id, stranger.id):
            group_member(session, two.id, course_id, school_id, user_id)
        group_member(session, three.id, course_id, school_id, north.other_student.id)
        return {"two": two.id, "three": three.id, "enrolled": enrolled, "stranger": stranger.id}


def test_groups_become_the_layout_and_the_others_are_reported(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    ids = _groups(session_factory, worlds)
    north = worlds.north
    response = client.post(
        f"{API}/projects/{worlds.north_project.id}/teams/from-groups",
        headers=bearer(north, "teacher"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["skipped"] == [
        {
            "student_id": north.teacher.id,
            "reason": "not a student",
            "group_id": ids["two"],
            "team_id": None,
        },
        {
            "student_id": north.archived_student.id,
            "reason": "archived",
            "group_id": ids["two"],
            "team_id": None,
        },
        {
            "student_id": ids["stranger"],
            "reason": "not actively enrolled in the course",
            "group_id": ids["two"],
            "team_id": None,
        },
        {
            "student_id": north.other_student.id,
            "reason": "not actively enrolled in the course",
            "group_id": ids["three"],
            "team_id": None,
        },
    ]
    assert [
        (team["team_number"], [m["id"] for m in team["members"]]) for team in body["teams"]
    ] == [
        (1, [north.student.id]),
        (2, [ids["enrolled"]]),
    ]
    assert layout(session_factory, worlds.north_project.id) == [
        {
            "team_number": 1,
            "name": "OO-4A team 1",
            "version": 1,
            "is_current": True,
            "backfill_source": "groups",
            "team_id": worlds.north_group.id,
            "members": [north.student.id],
        },
        {
            "team_number": 2,
            "name": "OO-4A team 2",
            "version": 1,
            "is_current": True,
            "backfill_source": "groups",
            "team_id": ids["two"],
            "members": [ids["enrolled"]],
        },
    ]
    assert sorted((c["team_number"], c["action"]) for c in body["changes"]) == [
        (1, "update"),
        (2, "create"),
    ]


def test_a_locked_team_gets_version_2_and_version_1_keeps_its_members(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    north = worlds.north
    (kim,) = students(session_factory, north.course, 1, prefix="kim")
    with session_factory.begin() as session:
        project_id = worlds.north_project.id
        session.execute(
            sa.update(ProjectTeam)
            .where(ProjectTeam.id == worlds.north_team.id)
            .values(locked_at=sa.func.now(), lock_reason="teacher")
        )
        group_member(session, worlds.north_group.id, north.course.id, north.school.id, kim)
    response = client.post(
        f"{API}/projects/{project_id}/teams/from-groups", headers=bearer(north, "admin")
    )
    assert response.status_code == 200, response.text
    [change] = response.json()["changes"]
    assert change["action"] == "new_version"
    assert change["team_id"] == worlds.north_team.id
    assert change["added"] == [kim]
    everything = layout(session_factory, project_id, current=False)
    assert everything == [
        {
            "team_number": 1,
            "name": "Team 1",
            "version": 1,
            "is_current": False,
            "backfill_source": None,
            "team_id": None,
            "members": [north.student.id],
        },
        {
            "team_number": 1,
            "name": "OO-4A team 1",
            "version": 2,
            "is_current": True,
            "backfill_source": "groups",
            "team_id": worlds.north_group.id,
            "members": sorted([north.student.id, kim]),
        },
    ]


def test_teams_without_a_group_are_archived(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    north = worlds.north
    (kim,) = students(session_factory, north.course, 1, prefix="kim")
    with session_factory.begin() as session:
        project = session.get(Project, worlds.north_project.id)
        student = session.get(User, kim)
        assert project is not None
        assert student is not None
        make_team(session, project, 5, student)
    response = client.post(
        f"{API}/projects/{worlds.north_project.id}/teams/from-groups",
        headers=bearer(north, "teacher"),
    )
    assert response.status_code == 200, response.text
    assert sorted((c["team_number"], c["action"]) for c in response.json()["changes"]) == [
        (1, "update"),
        (5, "archive"),
    ]
    assert [team["team_number"] for team in layout(session_factory, worlds.north_project.id)] == [1]
    with session_factory() as session:
        kept = session.scalars(
            sa.select(ProjectTeamMember.user_id).where(ProjectTeamMember.user_id == kim)
        ).all()
    assert kept == [kim]  # the archived version keeps its member row


def test_legacy_groups_off_is_410_and_writes_nothing(
    db_url: str, worlds: RosterWorld, session_factory: Factory
) -> None:
    before = tables(session_factory)
    with app_client(db_url, legacy_groups="off") as off:
        response = off.post(
            f"{API}/projects/{worlds.north_project.id}/teams/from-groups",
            headers=bearer(worlds.north, "teacher"),
        )
    assert response.status_code == 410
    assert response.json()["type"] == "/problems/gone"
    assert tables(session_factory) == before


def test_other_roles_and_schools(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    before = tables(session_factory)
    for role in ("other_teacher", "student"):
        response = client.post(
            f"{API}/projects/{worlds.north_project.id}/teams/from-groups",
            headers=bearer(worlds.north, role),
        )
        assert response.status_code == 403
    response = client.post(
        f"{API}/projects/{worlds.south_project.id}/teams/from-groups",
        headers=bearer(worlds.north, "admin"),
    )
    assert response.status_code == 404
    assert tables(session_factory) == before
