"""POST /projects/{id}/teams/import: a CSV layout, previewed (writing nothing) or committed."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from teameval.models import ProjectTeam, User
from tests.projects.teams.sources_support import Factory, layout, students, tables
from tests.roster.conftest import API, RosterWorld, bearer


def _post(
    client: TestClient, worlds: RosterWorld, csv: str, mode: str, role: str = "teacher"
) -> Any:
    return client.post(
        f"{API}/projects/{worlds.north_project.id}/teams/import",
        files={"file": ("teams.csv", csv.encode("utf-8"), "text/csv")},
        data={"mode": mode},
        headers=bearer(worlds.north, role),
    )


def _people(factory: Factory, worlds: RosterWorld) -> dict[str, int]:
    ids = students(factory, worlds.north.course, 3, prefix="imp")
    return {"a": ids[0], "b": ids[1], "c": ids[2]}


GOOD = (
    "Team Number;E-mail;Student_Number;team name\r\n"
    "1;student@north.example.org;;Alpha\r\n"
    "1;;imp-0;\r\n"
    "3;IMP1@example.org;;\r\n"
    "3;;imp-2;Gamma\r\n"
)


def test_preview_answers_the_plan_and_writes_nothing(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    people = _people(session_factory, worlds)
    before = tables(session_factory)
    response = _post(client, worlds, GOOD, "preview")
    assert response.status_code == 200, response.text
    body = response.json()
    assert tables(session_factory) == before
    assert body == {
        "mode": "preview",
        "valid": True,
        "committed": False,
        "encoding": "UTF-8",
        "delimiter": ";",
        "errors": [],
        "teams": [],
        "changes": [
            {
                "team_number": 1,
                "action": "update",
                "team_id": worlds.north_team.id,
                "new_team_id": worlds.north_team.id,
                "added": [people["a"]],
                "removed": [],
            },
            {
                "team_number": 3,
                "action": "create",
                "team_id": None,
                "new_team_id": None,
                "added": [people["b"], people["c"]],
                "removed": [],
            },
        ],
    }
    committed = _post(client, worlds, GOOD, "commit")
    assert committed.status_code == 200, committed.text
    answer = committed.json()
    # Both modes answer the same plan (the commit with the ids it made).
    created = [c["new_team_id"] for c in answer["changes"] if c["action"] == "create"]
    assert [
        {**c, "new_team_id": None} if c["action"] == "create" else c for c in answer["changes"]
    ] == body["changes"]
    assert created == [team["id"] for team in answer["teams"] if team["team_number"] == 3]
    assert (answer["mode"], answer["valid"], answer["committed"]) == ("commit", True, True)
    assert layout(session_factory, worlds.north_project.id) == [
        {
            "team_number": 1,
            "name": "Alpha",
            "version": 1,
            "is_current": True,
            "backfill_source": "import",
            "team_id": None,
            "members": sorted([worlds.north.student.id, people["a"]]),
        },
        {
            "team_number": 3,
            "name": "Gamma",
            "version": 1,
            "is_current": True,
            "backfill_source": "import",
            "team_id": None,
            "members": [people["b"], people["c"]],
        },
    ]
    assert [
        (team["team_number"], team["name"], sorted(m["id"] for m in team["members"]))
        for team in answer["teams"]
    ] == [
        (1, "Alpha", sorted([worlds.north.student.id, people["a"]])),
        (3, "Gamma", [people["b"], people["c"]]),
    ]


BAD_LINES = [
    "team_number,email,student_number,team_name",
    "1,student@north.example.org,,Alpha",  # 2: fine
    "1,nobody@north.example.org,,",  # 3: unknown email
    "2,,no-such-number,",  # 4: unknown student number
    "2,student2@north.example.org,,",  # 5: not enrolled
    "2,gone@north.example.org,,",  # 6: archived
    "2,teacher@north.example.org,,",  # 7: not a student
    "2,student@north.example.org,,",  # 8: twice
    "x,imp0@example.org,,",  # 9: bad team number
    "1,imp1@example.org,,Beta",  # 10: second name for team 1
    "4,imp2@example.org,imp-0,",  # 11: email and number name different people
]


def _bad_errors(worlds: RosterWorld) -> list[dict[str, Any]]:
    return [
        {"line": 3, "field": "email", "message": "no one in the school has this email address"},
        {
            "line": 4,
            "field": "student_number",
            "message": "no one in the school has this student number",
        },
        {
            "line": 5,
            "field": "email",
            "message": "the student is not actively enrolled in the course",
        },
        {"line": 6, "field": "email", "message": "the student is archived"},
        {"line": 7, "field": "email", "message": "names a user who is not a student"},
        {
            "line": 8,
            "field": "email",
            "message": "the student is already on line 2; a student is in one team",
        },
        {
            "line": 9,
            "field": "team_number",
            "message": "'x' is not a team number (a whole number ≥ 1)",
        },
        {
            "line": 10,
            "field": "team_name",
            "message": "team 1 is named 'Alpha' on line 2; one team has one name",
        },
        {
            "line": 11,
            "field": "student_number",
            "message": "the email and the student number name different people",
        },
    ]


def test_every_kind_of_line_error_is_reported_with_its_line(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    _people(session_factory, worlds)
    with session_factory.begin() as session:
        session.execute(
            sa.update(User).where(User.id == worlds.north.teacher.id).values(student_number=None)
        )
    before = tables(session_factory)
    csv = "\n".join(BAD_LINES) + "\n"
    preview = _post(client, worlds, csv, "preview")
    assert preview.status_code == 200, preview.text
    assert preview.json() == {
        "mode": "preview",
        "valid": False,
        "committed": False,
        "encoding": "UTF-8",
        "delimiter": ",",
        "errors": _bad_errors(worlds),
        "teams": [],
        "changes": [],
    }
    commit = _post(client, worlds, csv, "commit")
    assert commit.status_code == 422
    problem = commit.json()
    assert problem["errors"] == _bad_errors(worlds)
    assert (
        problem["detail"]
        == "9 line(s) have errors, so nothing was imported. Fix them and try again."
    )
    assert (problem["valid"], problem["committed"], problem["mode"]) == (False, False, "commit")
    assert tables(session_factory) == before


def test_a_commit_with_one_bad_line_writes_nothing(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    _people(session_factory, worlds)
    before = tables(session_factory)
    response = _post(client, worlds, GOOD + "2;nobody@x.org;;\r\n", "commit")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"line": 6, "field": "email", "message": "no one in the school has this email address"}
    ]
    assert tables(session_factory) == before


def test_a_locked_team_gets_version_2_and_keeps_version_1(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    people = _people(session_factory, worlds)
    with session_factory.begin() as session:
        session.execute(
            sa.update(ProjectTeam)
            .where(ProjectTeam.id == worlds.north_team.id)
            .values(locked_at=sa.func.now(), lock_reason="teacher")
        )
    response = _post(client, worlds, "team_number,email\n1,imp0@example.org\n", "commit")
    assert response.status_code == 200, response.text
    assert layout(session_factory, worlds.north_project.id, current=False) == [
        {
            "team_number": 1,
            "name": "Team 1",
            "version": 1,
            "is_current": False,
            "backfill_source": None,
            "team_id": None,
            "members": [worlds.north.student.id],
        },
        {
            "team_number": 1,
            "name": "Team 1",
            "version": 2,
            "is_current": True,
            "backfill_source": "import",
            "team_id": None,
            "members": [people["a"]],
        },
    ]


def test_unusable_files_and_forms(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    before = tables(session_factory)
    response = _post(client, worlds, "email\nstudent@north.example.org\n", "commit")
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/unusable-import-file"
    assert response.json()["errors"] == [
        {
            "field": "file",
            "line": 1,
            "message": "The file has no team_number column. The header line (line 1) has: 'email'.",
        }
    ]
    response = _post(client, worlds, GOOD, "write")
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["mode"]
    response = client.post(
        f"{API}/projects/{worlds.north_project.id}/teams/import",
        data={"mode": "preview"},
        headers=bearer(worlds.north, "teacher"),
    )
    assert response.status_code == 422
    for role in ("other_teacher", "student"):
        assert _post(client, worlds, GOOD, "commit", role).status_code == 403
    assert tables(session_factory) == before


def test_the_size_limit_is_413(db_url: str, worlds: RosterWorld, session_factory: Factory) -> None:
    from tests.roster.conftest import app_client

    with app_client(db_url, import_max_bytes=64) as small:
        response = _post(small, worlds, GOOD * 3, "preview")
    assert response.status_code == 413
    assert response.json()["type"] == "/problems/import-file-too-large"
