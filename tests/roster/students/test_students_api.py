"""Admin students through HTTP: create, change, archive; emails normalised; nothing invented."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import Course, User
from tests.factories import PASSWORD
from tests.roster.conftest import API, RosterWorld, bearer
from tests.roster.db_checks import audit_actions, count, enrollment, last_audit_id, membership

Factory = sessionmaker[Session]
STUDENTS = f"{API}/admin/students"


@pytest.mark.legacy
def test_create_normalises_and_returns_the_student_with_courses_and_teams(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    north = shared_worlds.north
    body = {
        "email": "  Jan.Berg@North.Example.org ",
        "first_name": "Jan",
        "prefix": "van der",
        "last_name": "Berg",
        "student_number": "123456",
        "class_name": "4A",
        "courses": ["OO-4A"],
        "teams": [{"course": "OO-4A", "team_number": 3}],
    }
    response = shared_client.post(STUDENTS, json=body, headers=bearer(north, "admin"))
    assert response.status_code == 201, response.text
    student = response.json()
    group_id = student["teams"][0]["group_id"]
    assert student == {
        "id": student["id"],
        "email": "jan.berg@north.example.org",
        "name": "Jan van der Berg",
        "first_name": "Jan",
        "prefix": "van der",
        "last_name": "Berg",
        "student_number": "123456",
        "class_name": "4A",
        "status": "active",
        "courses": [{"id": north.course.id, "code": "OO-4A", "name": "Course OO-4A"}],
        "teams": [{"course": "OO-4A", "team_number": 3, "group_id": group_id}],
    }
    actions = audit_actions(shared_session_factory, north.school.id)
    assert {"user.created", "enrollment.created", "group.created", "group_member.created"} <= set(
        actions
    )


def test_duplicates_are_409_and_write_nothing(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    north = shared_worlds.north
    admin = bearer(north, "admin")
    before = last_audit_id(shared_session_factory)
    for body in (
        {"email": " " + north.student.email.upper(), "name": "Same Person"},
        {"email": north.teacher.email, "name": "A Teacher"},  # a teacher is never a student
        {"email": north.archived_student.email, "name": "Archived"},
    ):
        response = shared_client.post(STUDENTS, json=body, headers=admin)
        assert response.status_code == 409, body
        assert response.json()["type"] == "/problems/conflict"
    first = {"email": "one@x.org", "name": "One", "student_number": "777"}
    assert shared_client.post(STUDENTS, json=first, headers=admin).status_code == 201
    second = {"email": "two@x.org", "name": "Two", "student_number": "777"}
    response = shared_client.post(STUDENTS, json=second, headers=admin)
    assert response.status_code == 409
    assert "777" in response.json()["detail"]
    assert count(shared_session_factory, User, email="two@x.org") == 0
    assert audit_actions(shared_session_factory, north.school.id, before) == [
        "user.created"  # only the one student that was created
    ]


@pytest.mark.legacy
def test_unknown_course_code_is_422_naming_it_and_creates_nothing(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    north = shared_worlds.north
    before = count(shared_session_factory, Course, school_id=north.school.id)
    body = {"email": "new@x.org", "name": "New", "courses": ["OO-4A", "OO-4X"]}
    response = shared_client.post(STUDENTS, json=body, headers=bearer(north, "admin"))
    assert response.status_code == 422
    problem = response.json()
    assert "OO-4X" in problem["detail"]
    assert problem["errors"][0]["field"] == "courses"
    assert count(shared_session_factory, Course, school_id=north.school.id) == before
    assert count(shared_session_factory, User, email="new@x.org") == 0
    team_in_typo = {
        "email": "new@x.org",
        "name": "N",
        "teams": [{"course": "XX", "team_number": 1}],
    }
    response = shared_client.post(STUDENTS, json=team_in_typo, headers=bearer(north, "admin"))
    assert response.status_code == 422
    assert "XX" in response.json()["detail"]


def test_invalid_fields_are_422(shared_client: TestClient, shared_worlds: RosterWorld) -> None:
    admin = bearer(shared_worlds.north, "admin")
    for body, field in (
        ({"email": "not-an-email", "name": "X"}, "email"),
        ({"email": "a@x.org"}, "name"),
        ({"email": "a@x.org", "name": "X", "role": "admin"}, "role"),
        (
            {"email": "a@x.org", "name": "X", "teams": [{"course": "OO-4A", "team_number": 0}]},
            "teams",
        ),
    ):
        response = shared_client.post(STUDENTS, json=body, headers=admin)
        assert response.status_code == 422, body
        fields = [error["field"] for error in response.json()["errors"]]
        assert any(name.startswith(field) for name in fields), (body, fields)


def test_patch_leaves_absent_fields_and_sets_the_course_set(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    north = shared_worlds.north
    admin = bearer(north, "admin")
    created = shared_client.post(
        STUDENTS,
        json={"email": "p@x.org", "name": "Pat", "class_name": "4A", "courses": ["OO-4A"]},
        headers=admin,
    ).json()
    url = f"{STUDENTS}/{created['id']}"
    moved = shared_client.patch(url, json={"courses": ["NLT-5"]}, headers=admin).json()
    assert [c["code"] for c in moved["courses"]] == ["NLT-5"]
    assert (moved["name"], moved["class_name"], moved["email"]) == ("Pat", "4A", "p@x.org")
    assert enrollment(shared_session_factory, north.course.id, created["id"]) is False
    back = shared_client.patch(url, json={"courses": ["OO-4A", "NLT-5"]}, headers=admin).json()
    assert [c["code"] for c in back["courses"]] == ["NLT-5", "OO-4A"]
    assert enrollment(shared_session_factory, north.course.id, created["id"]) is True  # same row
    untouched = shared_client.patch(url, json={"student_number": "55"}, headers=admin).json()
    assert [c["code"] for c in untouched["courses"]] == ["NLT-5", "OO-4A"]
    renamed = shared_client.patch(
        url, json={"email": " PAT.NEW@X.org ", "class_name": None}, headers=admin
    ).json()
    assert (renamed["email"], renamed["class_name"], renamed["student_number"]) == (
        "pat.new@x.org",
        None,
        "55",
    )
    assert shared_client.patch(url, json={"courses": []}, headers=admin).json()["courses"] == []
    taken = shared_client.patch(url, json={"email": north.student.email}, headers=admin)
    assert taken.status_code == 409
    assert shared_client.patch(url, json={"name": None}, headers=admin).status_code == 422
    typo = shared_client.patch(url, json={"courses": ["NOPE"]}, headers=admin)
    assert typo.status_code == 422
    assert "NOPE" in typo.json()["detail"]


def test_patch_of_a_teacher_or_unknown_id_is_404(
    shared_client: TestClient, shared_worlds: RosterWorld
) -> None:
    north = shared_worlds.north
    admin = bearer(north, "admin")
    for user_id in (north.teacher.id, north.admin.id, 10**9):
        response = shared_client.patch(f"{STUDENTS}/{user_id}", json={"name": "X"}, headers=admin)
        assert response.status_code == 404


def test_archive_blocks_login_and_keeps_history(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    north = shared_worlds.north
    admin = bearer(north, "admin")
    login = {"school": north.school.slug, "email": north.student.email, "password": PASSWORD}
    archived = shared_client.post(f"{STUDENTS}/{north.student.id}/archive", headers=admin)
    assert archived.json()["status"] == "archived"
    assert archived.json()["courses"][0]["code"] == "OO-4A"  # enrollments are history: kept
    assert shared_client.post(f"{API}/auth/login", json=login).status_code == 401
    assert enrollment(shared_session_factory, north.course.id, north.student.id) is True
    listed = shared_client.get(f"{STUDENTS}?status=archived", headers=admin).json()
    assert {s["email"] for s in listed["items"]} == {
        north.student.email,
        north.archived_student.email,
    }
    assert shared_client.delete(f"{STUDENTS}/{north.student.id}", headers=admin).status_code == 405
    restored = shared_client.post(f"{STUDENTS}/{north.student.id}/unarchive", headers=admin)
    assert restored.json()["status"] == "active"
    assert shared_client.post(f"{API}/auth/login", json=login).status_code == 200
    actions = audit_actions(shared_session_factory, north.school.id)
    assert actions.count("user.updated") == 2


def test_list_searches_filters_sorts_and_counts(
    shared_client: TestClient, shared_worlds: RosterWorld
) -> None:
    admin = bearer(shared_worlds.north, "admin")
    for number, (name, klass) in enumerate([("Anna", "K5"), ("Bram", "K4"), ("Cor", "K4")]):
        body = {
            "email": f"{name.lower()}@x.org",
            "name": name,
            "class_name": klass,
            "student_number": f"Z90{number}",
            "courses": ["NLT-5"],
        }
        assert shared_client.post(STUDENTS, json=body, headers=admin).status_code == 201

    # Search terms contain a letter beyond "f", so they never match the hex of the schools' slugs.
    def emails(query: str) -> list[str]:
        response = shared_client.get(f"{STUDENTS}?{query}", headers=admin)
        assert response.status_code == 200, response.text
        return [student["email"] for student in response.json()["items"]]

    assert emails("course=NLT-5&sort=-name") == ["cor@x.org", "bram@x.org", "anna@x.org"]
    assert emails("course=nlt-5&sort=-name") == ["cor@x.org", "bram@x.org", "anna@x.org"]
    assert emails("q=k4&sort=email") == ["bram@x.org", "cor@x.org"]
    assert emails("q=z901") == ["bram@x.org"]
    assert emails("q=ANNA@X") == ["anna@x.org"]
    assert emails("course=NLT-5&sort=class_name&page_size=1&page=2") == ["cor@x.org"]
    page = shared_client.get(f"{STUDENTS}?page_size=2", headers=admin).json()
    assert (page["total"], len(page["items"])) == (6, 2)  # 3 new + student, student2, archived
    assert len(emails("status=active")) == 5
    bad_sort = shared_client.get(f"{STUDENTS}?sort=password", headers=admin)
    assert bad_sort.status_code == 422
    unknown = shared_client.get(f"{STUDENTS}?course=NOPE", headers=admin)
    assert unknown.status_code == 422
    assert "NOPE" in unknown.json()["detail"]


@pytest.mark.legacy
def test_patch_teams_is_the_complete_set_of_legacy_teams(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    north = shared_worlds.north
    admin = bearer(north, "admin")
    url = f"{STUDENTS}/{north.student.id}"  # in OO-4A team 1

    def teams(body: dict[str, object]) -> list[tuple[str, int]]:
        response = shared_client.patch(url, json=body, headers=admin)
        assert response.status_code == 200, response.text
        return [(team["course"], team["team_number"]) for team in response.json()["teams"]]

    assert teams({"teams": [{"course": "OO-4A", "team_number": 2}]}) == [("OO-4A", 2)]
    assert (
        membership(shared_session_factory, shared_worlds.north_group.id, north.student.id) is False
    )
    assert teams({"teams": [{"course": "NLT-5", "team_number": 1}]}) == [("NLT-5", 1)]
    assert enrollment(shared_session_factory, north.other_course.id, north.student.id) is True
    assert teams({"teams": []}) == []
    assert enrollment(shared_session_factory, north.course.id, north.student.id) is True
    outside = {"courses": ["NLT-5"], "teams": [{"course": "OO-4A", "team_number": 1}]}
    response = shared_client.patch(url, json=outside, headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "teams"
