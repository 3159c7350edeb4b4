"""A student whose enrollment ends leaves the current teams of the course's draft and active
projects in the same transaction: an unlocked team loses the member row, a locked one gets a
new version without them. Through the unenroll route and through the student CSV import."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import AuditLog, Project
from tests.factories import make_project, make_team
from tests.projects.teams.team_helpers import (
    current_teams_of,
    enrolled_students,
    member_rows,
    members_of,
    team_rows,
    teams_url,
)
from tests.roster.conftest import API, RosterWorld, bearer
from tests.roster.import_helpers import csv_bytes, post_import

Factory = sessionmaker[Session]


def _unenroll(client: TestClient, worlds: RosterWorld, student_id: int) -> None:
    url = f"{API}/courses/{worlds.north.course.id}/students/{student_id}"
    response = client.delete(url, headers=bearer(worlds.north, "teacher"))
    assert response.status_code == 204, response.text


def test_unenrolled_student_leaves_an_unlocked_team_in_place(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    project, team, student = worlds.north_project, worlds.north_team, worlds.north.student
    (mate,) = enrolled_students(session_factory, worlds.north, 1, "mate")
    teacher = bearer(worlds.north, "teacher")
    client.put(
        f"{teams_url(project.id)}/{team.id}/members",
        json={"member_ids": [student.id, mate]},
        headers=teacher,
    ).raise_for_status()
    _unenroll(client, worlds, student.id)
    assert members_of(session_factory, team.id) == [mate]
    (listed,) = client.get(teams_url(project.id), headers=teacher).json()["items"]
    assert (listed["id"], listed["version"]) == (team.id, 1)
    assert [m["id"] for m in listed["members"]] == [mate]
    with session_factory() as session:
        audit = session.execute(
            select(AuditLog.entity_id, AuditLog.changes)
            .where(AuditLog.action == "project_team.update")
            .order_by(AuditLog.id.desc())
            .limit(1)
        ).one()
    assert tuple(audit) == (
        team.id,
        {
            "team_number": 1,
            "added": [],
            "removed": [student.id],
            "project_id": project.id,
            "reason": "left the course",
        },
    )


def test_unenrolled_student_leaves_a_locked_team_by_a_new_version(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    project, team, student = worlds.north_project, worlds.north_team, worlds.north.student
    (mate,) = enrolled_students(session_factory, worlds.north, 1, "mate")
    teacher = bearer(worlds.north, "teacher")
    client.put(
        f"{teams_url(project.id)}/{team.id}/members",
        json={"member_ids": [student.id, mate]},
        headers=teacher,
    ).raise_for_status()
    client.post(f"{teams_url(project.id)}/{team.id}/lock", headers=teacher).raise_for_status()
    _unenroll(client, worlds, student.id)
    assert members_of(session_factory, team.id) == sorted([student.id, mate])
    (listed,) = client.get(teams_url(project.id), headers=teacher).json()["items"]
    assert listed["id"] != team.id
    assert listed["version"] == 2
    assert [m["id"] for m in listed["members"]] == [mate]
    assert current_teams_of(session_factory, project.id, student.id) == []


def test_completed_projects_keep_their_teams_and_other_courses_are_untouched(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    north, student = worlds.north, worlds.north.student
    with session_factory.begin() as session:
        session.execute(
            update(Project).where(Project.id == worlds.north_project.id).values(status="completed")
        )
        course = session.merge(north.course)
        draft = make_project(session, course, "Draft", status="draft")
        draft_team = make_team(session, draft, 1, session.merge(student))
        draft_id, draft_team_id = draft.id, draft_team.id
    completed_before = (
        team_rows(session_factory, worlds.north_project.id),
        member_rows(session_factory, worlds.north_project.id),
    )
    _unenroll(client, worlds, student.id)
    assert completed_before == (
        team_rows(session_factory, worlds.north_project.id),
        member_rows(session_factory, worlds.north_project.id),
    )
    assert members_of(session_factory, draft_team_id) == []
    assert current_teams_of(session_factory, draft_id, student.id) == []


def test_the_student_import_that_drops_a_course_drops_its_teams(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    student = worlds.north.student
    data = csv_bytes([["email", "courses"], [student.email, "NLT-5"]])
    response = post_import(client, bearer(worlds.north, "admin"), data, mode="commit")
    assert response.status_code == 200, response.text
    assert response.json()["rows"][0]["changes"]["courses"]["removed"] == ["OO-4A"]
    assert members_of(session_factory, worlds.north_team.id) == []
    assert current_teams_of(session_factory, worlds.north_project.id, student.id) == []
