"""A teacher's course: roster (constant queries), enroll, create, unenroll, team number."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import CourseEnrollment, Role, User
from tests.factories import make_user
from tests.roster.conftest import API, RosterWorld, bearer
from tests.roster.db_checks import (
    active_teams,
    audit_actions,
    audit_rows,
    count,
    enrollment,
    last_audit_id,
    membership,
)
from tests.statements import recorded_statements

Factory = sessionmaker[Session]


def _roster(world: RosterWorld) -> str:
    return f"{API}/courses/{world.north.course.id}/students"


def app_engine(client: TestClient) -> sa.Engine:
    engine: sa.Engine = client.app.state.teameval.session_factory.kw["bind"]  # type: ignore[attr-defined]
    return engine


def _add_students(factory: Factory, world: RosterWorld, how_many: int, tag: str) -> None:
    north = world.north
    with factory.begin() as session:
        users = [
            make_user(session, north.school, Role.STUDENT, f"{tag}{n}@{north.school.slug}.org")
            for n in range(how_many)
        ]
        session.add_all(
            CourseEnrollment(school_id=north.school.id, course_id=north.course.id, student_id=u.id)
            for u in users
        )


@pytest.mark.legacy
def test_roster_lists_active_enrollments_with_team_numbers_in_constant_queries(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    teacher = bearer(shared_worlds.north, "teacher")
    url = _roster(shared_worlds) + "?page_size=500"
    _add_students(shared_session_factory, shared_worlds, 2, "a")  # 3 with north.student
    with recorded_statements(app_engine(shared_client)) as small:
        response = shared_client.get(url, headers=teacher)
    body = response.json()
    assert body["total"] == 3
    [student] = [s for s in body["items"] if s["id"] == shared_worlds.north.student.id]
    assert (student["team_number"], student["group_id"]) == (1, shared_worlds.north_group.id)
    _add_students(shared_session_factory, shared_worlds, 27, "b")  # 30
    with recorded_statements(app_engine(shared_client)) as large:
        response = shared_client.get(url, headers=teacher)
    assert response.json()["total"] == 30
    assert len(large) == len(small), large
    # caller, course, may-teach, count, page, whether the legacy tables exist (phase 6 may
    # have retired them: one catalog look-up per request), teams
    assert len(small) <= 7


def test_enroll_an_existing_student_by_id_or_email(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    north = shared_worlds.north
    teacher = bearer(north, "teacher")
    by_id = shared_client.post(
        _roster(shared_worlds), json={"student_id": north.other_student.id}, headers=teacher
    )
    assert by_id.status_code == 200
    assert by_id.json()["email"] == north.other_student.email
    # The same person under another spelling of their email is enrolled, not changed.
    body = {"email": "  " + north.student.email.upper(), "name": "Someone Else"}
    other = shared_client.post(
        f"{API}/courses/{north.other_course.id}/students",
        json=body,
        headers=bearer(north, "other_teacher"),
    )
    assert other.status_code == 200
    assert other.json()["name"] == north.student.name
    assert enrollment(shared_session_factory, north.other_course.id, north.student.id) is True
    assert count(shared_session_factory, User, school_id=north.school.id) == 6  # nobody created


def test_a_teacher_creates_a_new_student_in_the_course(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    north = shared_worlds.north
    body = {"email": " New.Kid@X.org", "first_name": "New", "last_name": "Kid"}
    response = shared_client.post(
        _roster(shared_worlds), json=body, headers=bearer(north, "teacher")
    )
    assert response.status_code == 201, response.text
    assert (response.json()["email"], response.json()["name"]) == ("new.kid@x.org", "New Kid")
    assert enrollment(shared_session_factory, north.course.id, response.json()["id"]) is True
    assert audit_actions(shared_session_factory, north.school.id) == [
        "user.created",
        "enrollment.created",
    ]


def test_enrolling_refuses_staff_emails_archived_students_and_mixed_bodies(
    shared_client: TestClient, shared_worlds: RosterWorld
) -> None:
    north = shared_worlds.north
    teacher = bearer(north, "teacher")
    url = _roster(shared_worlds)
    staff = shared_client.post(url, json={"email": north.admin.email, "name": "X"}, headers=teacher)
    assert staff.status_code == 409
    gone = shared_client.post(url, json={"student_id": north.archived_student.id}, headers=teacher)
    assert gone.status_code == 409
    mixed = {"student_id": north.other_student.id, "email": "x@x.org"}
    assert shared_client.post(url, json=mixed, headers=teacher).status_code == 422
    assert shared_client.post(url, json={}, headers=teacher).status_code == 422
    # A teacher (not a student) by id is 404: there is no such student.
    assert (
        shared_client.post(url, json={"student_id": north.teacher.id}, headers=teacher).status_code
        == 404
    )


@pytest.mark.legacy
def test_unenroll_deactivates_the_enrollment_and_the_course_memberships(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    north = shared_worlds.north
    before = last_audit_id(shared_session_factory)
    response = shared_client.delete(
        f"{_roster(shared_worlds)}/{north.student.id}", headers=bearer(north, "teacher")
    )
    assert response.status_code == 204
    assert enrollment(shared_session_factory, north.course.id, north.student.id) is False
    assert (
        membership(shared_session_factory, shared_worlds.north_group.id, north.student.id) is False
    )
    # The student also leaves the course's active project's team 1 (docs/projects.md).
    assert audit_actions(shared_session_factory, north.school.id, before) == [
        "enrollment.deactivated",
        "group_member.deactivated",
        "project_team.update",
    ]
    roster = shared_client.get(_roster(shared_worlds), headers=bearer(north, "teacher")).json()
    assert roster["total"] == 0
    again = shared_client.delete(
        f"{_roster(shared_worlds)}/{north.student.id}", headers=bearer(north, "teacher")
    )
    assert again.status_code == 204  # idempotent, and writes no second audit row
    assert len(audit_actions(shared_session_factory, north.school.id, before)) == 3


@pytest.mark.legacy
def test_team_number_moves_the_student_and_creates_the_team(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    north = shared_worlds.north
    teacher = bearer(north, "teacher")
    url = f"{_roster(shared_worlds)}/{north.student.id}/team"
    moved = shared_client.put(url, json={"team_number": 4}, headers=teacher)
    assert moved.status_code == 200
    assert moved.json()["team_number"] == 4
    assert active_teams(shared_session_factory, north.course.id, north.student.id) == [4]
    groups = shared_client.get(f"{API}/courses/{north.course.id}/groups", headers=teacher).json()
    assert [(g["team_number"], g["name"]) for g in groups["items"]] == [
        (1, "OO-4A team 1"),
        (4, "OO-4A team 4"),
    ]
    [created] = audit_rows(shared_session_factory, north.school.id, "group.created")
    assert created["changes"] == {
        "course_id": north.course.id,
        "team_number": 4,
        "name": "OO-4A team 4",
    }
    cleared = shared_client.put(url, json={"team_number": None}, headers=teacher)
    assert cleared.json()["team_number"] is None
    assert active_teams(shared_session_factory, north.course.id, north.student.id) == []
    assert enrollment(shared_session_factory, north.course.id, north.student.id) is True
    assert shared_client.put(url, json={"team_number": 0}, headers=teacher).status_code == 422
    assert shared_client.put(url, json={}, headers=teacher).status_code == 422


@pytest.mark.legacy
def test_team_number_for_a_student_not_yet_in_the_course_enrolls_them(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    north = shared_worlds.north
    url = f"{_roster(shared_worlds)}/{north.other_student.id}/team"
    response = shared_client.put(url, json={"team_number": 1}, headers=bearer(north, "teacher"))
    assert response.status_code == 200
    assert enrollment(shared_session_factory, north.course.id, north.other_student.id) is True
    assert membership(shared_session_factory, shared_worlds.north_group.id, north.other_student.id)
