"""Property: whatever sequence of roster requests runs, enrollment covers membership (invariant 2).

Random sequences of every write path of the API (enroll, unenroll, course set via PATCH, team
add/remove, team number, archive/unarchive, create with teams, CSV import) run against a fresh
pair of schools per example; afterwards the migration's enrollment audit must find no active
membership without an active enrollment.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from teameval.migration.audit import audit_enrollments
from tests.roster.conftest import API, Headers, RosterWorld, bearer, build_worlds, unique_slug

STUDENTS = st.integers(0, 3)  # north's student, other_student, archived_student, a created one
COURSES = st.integers(0, 1)  # north's course, other_course
TEAMS = st.integers(1, 3)
COURSE_SETS = st.lists(COURSES, max_size=2, unique=True)

OPERATIONS = st.one_of(
    st.tuples(st.just("enroll"), STUDENTS, COURSES),
    st.tuples(st.just("unenroll"), STUDENTS, COURSES),
    st.tuples(st.just("set_courses"), STUDENTS, COURSE_SETS),
    st.tuples(st.just("join_team"), STUDENTS, COURSES, TEAMS),
    st.tuples(st.just("leave_team"), STUDENTS, COURSES, TEAMS),
    st.tuples(st.just("team_number"), STUDENTS, COURSES, st.none() | TEAMS),
    st.tuples(st.just("archive"), STUDENTS, st.booleans()),
    st.tuples(st.just("create"), COURSE_SETS, st.lists(st.tuples(COURSES, TEAMS), max_size=2)),
    st.tuples(st.just("import"), STUDENTS, COURSE_SETS, st.none() | TEAMS),
)
# Refusals are fine (an archived student cannot join, a created email is taken, a team outside
# the course set is invalid); a server error or a broken invariant is not.
ACCEPTABLE = {200, 201, 204, 409, 422}


class Scenario:
    def __init__(self, client: TestClient, world: RosterWorld) -> None:
        self.client = client
        self.world = world
        self.admin: Headers = bearer(world.north, "admin")
        north = world.north
        self.students = [north.student.id, north.other_student.id, north.archived_student.id]
        self.emails = [north.student.email, north.other_student.email, north.archived_student.email]
        self.courses = [north.course, north.other_course]
        self.created = 0

    def student(self, index: int) -> tuple[int, str]:
        index = min(index, len(self.students) - 1)
        return self.students[index], self.emails[index]

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, API + path, headers=self.admin, **kwargs)
        assert response.status_code in ACCEPTABLE, (method, path, kwargs, response.text)
        return response

    def group_id(self, course: int, team: int) -> int:
        course_id = self.courses[course].id
        self.request("POST", f"/courses/{course_id}/groups", json={"team_number": team})
        groups = self.request("GET", f"/courses/{course_id}/groups?page_size=500").json()
        return next(group["id"] for group in groups["items"] if group["team_number"] == team)

    def run(self, operation: tuple[Any, ...]) -> None:
        kind, *args = operation
        getattr(self, f"op_{kind}")(*args)

    def op_enroll(self, student: int, course: int) -> None:
        student_id, _ = self.student(student)
        course_id = self.courses[course].id
        self.request("POST", f"/courses/{course_id}/students", json={"student_id": student_id})

    def op_unenroll(self, student: int, course: int) -> None:
        student_id, _ = self.student(student)
        self.request("DELETE", f"/courses/{self.courses[course].id}/students/{student_id}")

    def op_set_courses(self, student: int, courses: list[int]) -> None:
        student_id, _ = self.student(student)
        codes = [self.courses[c].code for c in courses]
        self.request("PATCH", f"/admin/students/{student_id}", json={"courses": codes})

    def op_join_team(self, student: int, course: int, team: int) -> None:
        student_id, _ = self.student(student)
        group = self.group_id(course, team)
        path = f"/courses/{self.courses[course].id}/groups/{group}/members"
        self.request("POST", path, json={"student_id": student_id})

    def op_leave_team(self, student: int, course: int, team: int) -> None:
        student_id, _ = self.student(student)
        group = self.group_id(course, team)
        self.request(
            "DELETE", f"/courses/{self.courses[course].id}/groups/{group}/members/{student_id}"
        )

    def op_team_number(self, student: int, course: int, team: int | None) -> None:
        student_id, _ = self.student(student)
        path = f"/courses/{self.courses[course].id}/students/{student_id}/team"
        self.request("PUT", path, json={"team_number": team})

    def op_archive(self, student: int, archive: bool) -> None:
        student_id, _ = self.student(student)
        verb = "archive" if archive else "unarchive"
        self.request("POST", f"/admin/students/{student_id}/{verb}")

    def op_create(self, courses: list[int], teams: list[tuple[int, int]]) -> None:
        self.created += 1
        email = f"created{self.created}@x.org"
        body = {
            "email": email,
            "name": f"Created {self.created}",
            "courses": [self.courses[c].code for c in courses],
            "teams": [{"course": self.courses[c].code, "team_number": n} for c, n in teams],
        }
        response = self.request("POST", "/admin/students", json=body)
        if response.status_code == 201:
            self.students.append(response.json()["id"])
            self.emails.append(email)

    def op_import(self, student: int, courses: list[int], team: int | None) -> None:
        _, email = self.student(student)
        codes = "|".join(self.courses[c].code for c in courses)
        team_cell = "" if team is None or not courses else str(team)
        csv = f"email,courses,team\n{email},{codes},{team_cell}\n".encode()
        self.request(
            "POST",
            "/admin/students/import",
            files={"file": ("students.csv", csv, "text/csv")},
            data={"mode": "commit"},
        )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=8))
@pytest.mark.legacy
def test_enrollment_always_covers_membership(
    shared_client: TestClient,
    shared_session_factory: sessionmaker[Session],
    shared_engine: sa.Engine,
    operations: list[tuple[Any, ...]],
) -> None:
    world = build_worlds(shared_session_factory, unique_slug("north"), unique_slug("south"))
    scenario = Scenario(shared_client, world)
    for operation in operations:
        scenario.run(operation)
    for school in (world.north.school.id, world.south.school.id):
        with shared_engine.connect() as connection:
            audit = audit_enrollments(connection, school_id=school)
        assert (audit.missing, audit.enrolled_inactive) == (0, 0), (operations, audit)
    # South was never touched by north's requests: still its one student in its one team.
    with shared_engine.connect() as connection:
        assert (
            audit_enrollments(connection, school_id=world.south.school.id).active_memberships == 1
        )
