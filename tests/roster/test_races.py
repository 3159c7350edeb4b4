"""Races give right answers, held by the database (issue 7): bursts of identical or conflicting
requests against a real server on PostgreSQL, then the database compared in full.

Every shape must end with every answer 2xx or 409 (never a 5xx), exactly one 201 where a row is
created, and the database holding exactly what the successful answers say: the winner's row
unchanged by the losers, one active team, one ``created`` audit row.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import (
    AuditLog,
    Course,
    CourseEnrollment,
    Group,
    GroupMember,
    TeacherCourse,
    User,
)
from tests.roster.conftest import RosterWorld, bearer
from tests.roster.db_checks import last_audit_id
from tests.roster.race_server import Call, assert_only, burst, served, statuses

pytestmark = pytest.mark.postgres_only
Factory = sessionmaker[Session]


@pytest.fixture
def base(db_url: str, backend: str, tmp_path: Path) -> Iterator[str]:
    if backend != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises every writer)")
    with served(db_url, tmp_path / "serve.log") as url:
        yield url


def audit_since(factory: Factory, since: int) -> list[tuple[str, int | None, dict[str, Any]]]:
    with factory() as session:
        rows = session.execute(
            select(AuditLog.action, AuditLog.entity_id, AuditLog.changes)
            .where(AuditLog.id > since)
            .order_by(AuditLog.id)
        ).all()
    return [(action, entity_id, changes) for action, entity_id, changes in rows]


def user_rows(factory: Factory, school_id: int) -> dict[str, tuple[Any, ...]]:
    with factory() as session:
        rows = session.execute(
            select(User.email, User.id, User.name, User.student_number, User.role).where(
                User.school_id == school_id
            )
        ).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def test_same_new_email_twenty_times(
    worlds: RosterWorld, session_factory: Factory, base: str
) -> None:
    north = worlds.north
    before_users = user_rows(session_factory, north.school.id)
    since = last_audit_id(session_factory)
    email = "racer@north.example.org"
    calls = [
        Call(
            "POST",
            "/admin/students",
            bearer(north, "admin"),
            {"email": email, "name": f"Racer {i}", "student_number": f"R-{i}"},
        )
        for i in range(20)
    ]
    answers = burst(base, calls)
    assert_only(answers, {201, 409})
    assert statuses(answers) == {201: 1, 409: 19}
    [winner] = [a for a in answers if a.status == 201]
    for loser in (a for a in answers if a.status == 409):
        assert email in loser.body["detail"]
    # The winner's row is exactly what the winner sent: no loser renamed it.
    after = user_rows(session_factory, north.school.id)
    new_id = winner.body["id"]
    assert after == {
        **before_users,
        email: (new_id, winner.call.json["name"], winner.call.json["student_number"], "student"),
    }
    assert (winner.body["name"], winner.body["student_number"]) == (
        winner.call.json["name"],
        winner.call.json["student_number"],
    )
    assert audit_since(session_factory, since) == [
        ("user.created", new_id, {"email": email, **_created_fields(winner.call.json)})
    ]


def test_a_teachers_new_student_twenty_times(
    worlds: RosterWorld, session_factory: Factory, base: str
) -> None:
    """The teacher's "add a new student by email": one creates (201); a request that already
    sees the new student enrolls them (200, nothing to change); one that raced the create is
    409. Never a rename, never a second enrollment or audit row."""
    north = worlds.north
    course = north.course.id
    before_users = user_rows(session_factory, north.school.id)
    since = last_audit_id(session_factory)
    email = "newbie@north.example.org"
    calls = [
        Call(
            "POST",
            f"/courses/{course}/students",
            bearer(north, "teacher"),
            {"email": email, "name": f"Newbie {i}"},
        )
        for i in range(20)
    ]
    answers = burst(base, calls)
    assert_only(answers, {200, 201, 409})
    assert statuses(answers)[201] == 1
    [winner] = [a for a in answers if a.status == 201]
    new_id = winner.body["id"]
    for answer in answers:
        if answer.status == 200:
            assert (answer.body["id"], answer.body["name"]) == (new_id, winner.call.json["name"])
    assert user_rows(session_factory, north.school.id) == {
        **before_users,
        email: (new_id, winner.call.json["name"], None, "student"),
    }
    entries = [(a, e) for a, e, _c in audit_since(session_factory, since)]
    with session_factory() as session:
        enrollment_id = session.scalar(
            select(CourseEnrollment.id).where(CourseEnrollment.student_id == new_id)
        )
    assert entries == [("user.created", new_id), ("enrollment.created", enrollment_id)]


def _created_fields(body: dict[str, Any]) -> dict[str, Any]:
    return {"name": body["name"], "student_number": body["student_number"]}


def test_same_student_number_twenty_times(
    worlds: RosterWorld, session_factory: Factory, base: str
) -> None:
    north = worlds.north
    before_users = user_rows(session_factory, north.school.id)
    since = last_audit_id(session_factory)
    calls = [
        Call(
            "POST",
            "/admin/students",
            bearer(north, "admin"),
            {
                "email": f"number{i}@north.example.org",
                "name": f"Number {i}",
                "student_number": "S-1",
            },
        )
        for i in range(20)
    ]
    answers = burst(base, calls)
    assert_only(answers, {201, 409})
    assert statuses(answers) == {201: 1, 409: 19}
    [winner] = [a for a in answers if a.status == 201]
    for loser in (a for a in answers if a.status == 409):
        assert "S-1" in loser.body["detail"], loser.body
    new_id = winner.body["id"]
    email = winner.call.json["email"]
    assert user_rows(session_factory, north.school.id) == {
        **before_users,
        email: (new_id, winner.call.json["name"], "S-1", "student"),
    }
    assert audit_since(session_factory, since) == [
        ("user.created", new_id, {"email": email, **_created_fields(winner.call.json)})
    ]


def _memberships(factory: Factory, student_id: int) -> list[tuple[int, int, bool]]:
    """(team number, course id, active) of every membership row of the student."""
    with factory() as session:
        rows = session.execute(
            select(Group.team_number, GroupMember.course_id, GroupMember.active)
            .join(Group, Group.id == GroupMember.group_id)
            .where(GroupMember.user_id == student_id)
            .order_by(Group.team_number)
        ).all()
    return [(team, course, bool(active)) for team, course, active in rows]


def _teams_of_course(factory: Factory, course_id: int) -> dict[int, int]:
    with factory() as session:
        rows = session.execute(
            select(Group.team_number, Group.id).where(Group.course_id == course_id)
        ).all()
    return {team: group_id for team, group_id in rows}  # noqa: C416 (rows are Row objects)


@pytest.mark.legacy
def test_team_changes_to_ten_different_teams(
    worlds: RosterWorld, session_factory: Factory, base: str
) -> None:
    """Moves of one student run one after another (a row lock on the student): each is applied
    in turn from the team the previous one left, so all succeed and only one team is active."""
    north = worlds.north  # the student is in team 1 of the course (the worlds fixture)
    course, student = north.course.id, north.student.id
    since = last_audit_id(session_factory)
    path = f"/courses/{course}/students/{student}/team"
    teacher = bearer(north, "teacher")
    targets = list(range(2, 12))
    answers = burst(base, [Call("PUT", path, teacher, {"team_number": n}) for n in targets])
    assert_only(answers, {200})
    for answer in answers:
        assert answer.body["team_number"] == answer.call.json["team_number"]
    entries = audit_since(session_factory, since)
    teams = _teams_of_course(session_factory, course)
    team_of_group = {group_id: team for team, group_id in teams.items()}
    joined = [team_of_group[c["group_id"]] for a, _i, c in entries if a == "group_member.created"]
    left = [team_of_group[c["group_id"]] for a, _i, c in entries if a == "group_member.deactivated"]
    # In commit order: each move left exactly the team the previous move had joined.
    assert left == [1, *joined[:-1]]
    assert sorted(joined) == targets
    assert _memberships(session_factory, student) == [
        (1, course, False),
        *((team, course, team == joined[-1]) for team in targets),
    ]
    assert sorted(teams) == [1, *targets]
    assert sorted(a for a, _i, _c in entries if a == "group.created") == ["group.created"] * 10
    assert len(entries) == 30


@pytest.mark.legacy
def test_the_same_team_change_twenty_times(
    worlds: RosterWorld, session_factory: Factory, base: str
) -> None:
    north = worlds.north
    course, student = north.course.id, north.student.id
    since = last_audit_id(session_factory)
    path = f"/courses/{course}/students/{student}/team"
    teacher = bearer(north, "teacher")
    answers = burst(base, [Call("PUT", path, teacher, {"team_number": 5})] * 20)
    assert_only(answers, {200})
    assert {a.body["team_number"] for a in answers} == {5}
    assert _memberships(session_factory, student) == [(1, course, False), (5, course, True)]
    teams = _teams_of_course(session_factory, course)
    assert sorted(teams) == [1, 5]
    entries = audit_since(session_factory, since)
    assert sorted(
        (action, entity_id) for action, entity_id, _ in entries if action == "group.created"
    ) == [("group.created", teams[5])]
    assert sorted(action for action, _id, _changes in entries) == [
        "group.created",
        "group_member.created",
        "group_member.deactivated",
    ]


def test_one_course_code_in_twenty_casings(
    worlds: RosterWorld, session_factory: Factory, base: str
) -> None:
    north = worlds.north
    since = last_audit_id(session_factory)
    casings = ["".join(c) for c in itertools.product(*((ch.lower(), ch.upper()) for ch in "race"))]
    codes = [f"{casing}-{x}" for casing in casings for x in ("x", "X")][:20]
    assert len(set(codes)) == 20
    calls = [
        Call("POST", "/courses", bearer(north, "admin"), {"code": code, "name": f"Race {i}"})
        for i, code in enumerate(codes)
    ]
    answers = burst(base, calls)
    assert_only(answers, {201, 409})
    assert statuses(answers) == {201: 1, 409: 19}
    [winner] = [a for a in answers if a.status == 201]
    with session_factory() as session:
        rows = session.execute(
            select(Course.id, Course.code, Course.name).where(
                Course.school_id == north.school.id, func.lower(Course.code) == "race-x"
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        (winner.body["id"], winner.call.json["code"], winner.call.json["name"])
    ]
    assert [(a, e) for a, e, _ in audit_since(session_factory, since)] == [
        ("course.created", winner.body["id"])
    ]


def test_the_same_course_deactivation_twenty_times(
    worlds: RosterWorld, session_factory: Factory, base: str
) -> None:
    north = worlds.north
    course = north.course.id
    since = last_audit_id(session_factory)
    call = Call("POST", f"/courses/{course}/deactivate", bearer(north, "admin"))
    answers = burst(base, [call] * 20)
    assert_only(answers, {200})
    assert {a.body["is_active"] for a in answers} == {False}
    assert audit_since(session_factory, since) == [
        ("course.deactivated", course, {"is_active": [True, False]})
    ]


@pytest.mark.parametrize(
    ("method", "suffix", "body", "audited"),
    [
        ("PATCH", "", {"name": "Same Name"}, {"name": {"from": "Student", "to": "Same Name"}}),
        ("POST", "/archive", None, {"archived": {"from": False, "to": True}}),
    ],
)
def test_the_same_student_change_twenty_times(
    worlds: RosterWorld,
    session_factory: Factory,
    base: str,
    method: str,
    suffix: str,
    body: dict[str, str] | None,
    audited: dict[str, Any],
) -> None:
    north = worlds.north
    student = north.student.id
    since = last_audit_id(session_factory)
    call = Call(method, f"/admin/students/{student}{suffix}", bearer(north, "admin"), body)
    answers = burst(base, [call] * 20)
    assert_only(answers, {200})
    assert audit_since(session_factory, since) == [("user.updated", student, audited)]


def test_the_same_teacher_assignment_twenty_times(
    worlds: RosterWorld, session_factory: Factory, base: str
) -> None:
    north = worlds.north
    course, teacher = north.course.id, north.other_teacher.id
    since = last_audit_id(session_factory)
    call = Call("POST", f"/courses/{course}/teachers", bearer(north, "admin"), {"user_id": teacher})
    answers = burst(base, [call] * 20)
    assert_only(answers, {200, 201})
    assert statuses(answers) == {201: 1, 200: 19}
    assert {str(a.body) for a in answers} == {
        str({"course_id": course, "teacher_id": teacher, "active": True})
    }
    with session_factory() as session:
        rows = session.execute(
            select(TeacherCourse.id, TeacherCourse.active).where(
                TeacherCourse.course_id == course, TeacherCourse.teacher_id == teacher
            )
        ).all()
    [(row_id, active)] = rows
    assert active is True
    assert audit_since(session_factory, since) == [
        ("teacher_course.created", row_id, {"course_id": course, "teacher_id": teacher})
    ]


def test_enroll_and_unenroll_one_pair_ten_times_each(
    worlds: RosterWorld, session_factory: Factory, base: str
) -> None:
    north = worlds.north
    course, student = north.course.id, north.other_student.id  # not enrolled yet
    since = last_audit_id(session_factory)
    teacher = bearer(north, "teacher")
    enroll = Call("POST", f"/courses/{course}/students", teacher, {"student_id": student})
    unenroll = Call("DELETE", f"/courses/{course}/students/{student}", teacher)
    answers = burst(base, [enroll, unenroll] * 10)
    assert_only(answers, {200, 204})
    for answer in answers:
        if answer.call is enroll:
            assert answer.body["id"] == student
    with session_factory() as session:
        rows = session.execute(
            select(CourseEnrollment.id, CourseEnrollment.active).where(
                CourseEnrollment.course_id == course, CourseEnrollment.student_id == student
            )
        ).all()
    [(row_id, active)] = rows
    entries = audit_since(session_factory, since)
    # Every audit row is a real change of that one row, in the order the row lock allowed:
    # created first, then strictly alternating, ending in the state the row is in.
    actions = [action for action, _id, _changes in entries]
    assert {entity_id for _a, entity_id, _c in entries} == {row_id}
    assert actions[0] == "enrollment.created"
    flips = actions[1:]
    assert flips == ["enrollment.deactivated", "enrollment.reactivated"] * (len(flips) // 2) + (
        ["enrollment.deactivated"] if len(flips) % 2 else []
    )
    assert active is (actions[-1] != "enrollment.deactivated")
    assert len(actions) <= 20
