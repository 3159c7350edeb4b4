"""What a student sees, through HTTP on both engines, with the assessment driven through its
real lifecycle (open, score, publish, withdraw, publish again): only published, not withdrawn
assessments of team versions they were in, only their own result (team scores, their own
overrides and reasons, comments, grade, the explanation from the frozen policy), and nothing
of a draft, an open or a closed assessment nor of another student (invariant 9; whole bodies
compared)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.assessments.sheets.scene import Scene, build_scene
from tests.roster.conftest import API, RosterWorld, bearer

Factory = sessionmaker[Session]
MINE = f"{API}/me/assessments"
SECRET_REASON = "Afwezig bij de presentatie"


@pytest.fixture
def scene(session_factory: Factory, worlds: RosterWorld) -> Scene:
    return build_scene(session_factory, worlds, "draft")


def _patch(client: TestClient, worlds: RosterWorld, scene: Scene, body: dict[str, Any]) -> Any:
    response = client.patch(
        f"{API}/assessments/{scene.assessment_id}",
        json=body,
        headers=bearer(worlds.north, "teacher"),
    )
    assert response.status_code == 200, response.text
    return response.json()


def _score(client: TestClient, worlds: RosterWorld, scene: Scene) -> None:
    c1, c2 = scene.criteria
    response = client.put(
        scene.sheet,
        json={
            "scores": [
                {"criterion_id": c1, "score": 4, "comment": "Goed samengewerkt"},
                {"criterion_id": c2, "score": 3},
            ],
            "overrides": [
                {
                    "student_id": scene.student_id,
                    "criterion_id": c2,
                    "score": 5,
                    "reason": "Trok de planning",
                },
                {
                    "student_id": scene.other_student_id,
                    "criterion_id": c1,
                    "score": 2,
                    "reason": SECRET_REASON,
                },
            ],
            "comment": "Sterk eindproduct",
        },
        headers=bearer(worlds.north, "teacher"),
    )
    assert response.status_code == 200, response.text


def _empty_page() -> dict[str, Any]:
    return {"items": [], "total": 0, "page": 1, "page_size": 50}


def _unknown_404(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"{MINE}/{2**31 - 1}", headers=headers).json()
    return {k: v for k, v in body.items() if k not in ("detail", "instance")}


def _assert_nothing(client: TestClient, scene: Scene, headers: dict[str, str]) -> None:
    assert client.get(MINE, headers=headers).json() == _empty_page()
    response = client.get(f"{MINE}/{scene.assessment_id}", headers=headers)
    assert response.status_code == 404
    body = {k: v for k, v in response.json().items() if k not in ("detail", "instance")}
    assert body == _unknown_404(client, headers)
    assert response.json()["detail"] == f"Assessment {scene.assessment_id} does not exist."


def _item(
    worlds: RosterWorld, scene: Scene, published_at: str, revision: int, grade: str
) -> dict[str, Any]:
    north = worlds.north
    return {
        "id": scene.assessment_id,
        "title": "Eindbeoordeling",
        "kind": "final",
        "project": {"id": worlds.north_project.id, "title": "Projectweek"},
        "course": {"id": north.course.id, "code": "OO-4A", "name": "Course OO-4A"},
        "revision": revision,
        "published_at": published_at,
        "team_number": 1,
        "grade": grade,
    }


def _policy() -> dict[str, Any]:
    return {
        "pass_level": "3",
        "pass_grade": "5.5",
        "min_grade": "1",
        "max_grade": "10",
        "decimals": 1,
    }


def _student_result(
    worlds: RosterWorld, scene: Scene, published_at: str, revision: int
) -> dict[str, Any]:
    c1, c2 = scene.criteria
    return {
        **_item(worlds, scene, published_at, revision, "9.3"),
        "team": {"project_team_id": scene.team_id, "team_number": 1, "version": 1},
        "rubric": {"title": "Projectrubric", "scale_min": 1, "scale_max": 5},
        "scores": [
            {
                "criterion_id": c1,
                "name": "Criterion 1",
                "weight": "1",
                "score": 4,
                "source": "team",
                "reason": None,
                "comment": "Goed samengewerkt",
            },
            {
                "criterion_id": c2,
                "name": "Criterion 2",
                "weight": "2",
                "score": 5,
                "source": "override",
                "reason": "Trok de planning",
                "comment": None,
            },
        ],
        "comment": "Sterk eindproduct",
        "weighted_score": "14/3",
        "explanation": {
            "complete": True,
            "criteria": [
                {"criterion": "Criterion 1", "weight": "1", "score": 4},
                {"criterion": "Criterion 2", "weight": "2", "score": 5},
            ],
            "missing": [],
            "policy": _policy(),
            "scale_min": 1,
            "scale_max": 5,
            "pass_level": "3",
            "weighted_score": "14/3",
            "branch": "above_pass_level",
            "formula": "5.5 + (10 - 5.5) * (14/3 - 3) / (5 - 3)",
            "exact_grade": "9.25",
            "grade": "9.3",
        },
    }


def test_a_student_sees_only_their_own_published_result(
    client: TestClient, worlds: RosterWorld, scene: Scene
) -> None:
    student = bearer(worlds.north, "student")
    other = bearer(worlds.north, "other_student")
    # Draft, then open and scored: nothing to see for either student.
    _assert_nothing(client, scene, student)
    _patch(client, worlds, scene, {"status": "open"})
    _score(client, worlds, scene)
    for headers in (student, other):
        _assert_nothing(client, scene, headers)
    _patch(client, worlds, scene, {"status": "closed"})
    _assert_nothing(client, scene, student)

    _patch(client, worlds, scene, {"status": "published"})
    listed = client.get(MINE, headers=student)
    assert listed.status_code == 200, listed.text
    published_at = listed.json()["items"][0]["published_at"]
    assert isinstance(published_at, str)
    assert listed.json() == {
        "items": [_item(worlds, scene, published_at, 1, "9.3")],
        "total": 1,
        "page": 1,
        "page_size": 50,
    }
    mine = client.get(f"{MINE}/{scene.assessment_id}", headers=student)
    assert mine.status_code == 200, mine.text
    assert mine.json() == _student_result(worlds, scene, published_at, 1)
    # Nothing of the other student's override or grade anywhere in what the student gets.
    everything = json.dumps([listed.json(), mine.json()])
    assert SECRET_REASON not in everything
    assert '"4.8"' not in everything  # a grade value; a timestamp may hold 4.8
    assert "8/3" not in everything

    # The other student: c1 overridden to 2, c2 the team's 3 -> r = 8/3 -> 1 + 4.5 * (5/3) / 2
    # = 4.75 -> 4.8 (half up).
    theirs = client.get(f"{MINE}/{scene.assessment_id}", headers=other).json()
    assert (theirs["grade"], theirs["weighted_score"]) == ("4.8", "8/3")
    assert [(s["source"], s["reason"]) for s in theirs["scores"]] == [
        ("override", SECRET_REASON),
        ("team", None),
    ]
    assert "Trok de planning" not in json.dumps(theirs)
    assert theirs["explanation"]["branch"] == "at_or_below_pass_level"

    # Staff have no results of their own; another school's student sees nothing.
    for headers in (
        bearer(worlds.north, "teacher"),
        bearer(worlds.north, "admin"),
        bearer(worlds.south, "student"),
    ):
        _assert_nothing(client, scene, headers)


def test_withdrawn_hides_and_publishing_again_shows_revision_two(
    client: TestClient, worlds: RosterWorld, scene: Scene
) -> None:
    student = bearer(worlds.north, "student")
    _patch(client, worlds, scene, {"status": "open"})
    _score(client, worlds, scene)
    _patch(client, worlds, scene, {"status": "published"})
    assert client.get(MINE, headers=student).json()["total"] == 1

    _patch(client, worlds, scene, {"status": "closed", "reason": "Verkeerde rubric"})
    _assert_nothing(client, scene, student)

    _patch(client, worlds, scene, {"status": "published"})
    listed = client.get(MINE, headers=student).json()
    published_at = listed["items"][0]["published_at"]
    assert listed["items"] == [_item(worlds, scene, published_at, 2, "9.3")]
    assert client.get(f"{MINE}/{scene.assessment_id}", headers=student).json() == _student_result(
        worlds, scene, published_at, 2
    )


def test_the_result_is_what_was_published_whatever_changes_later(
    client: TestClient, worlds: RosterWorld, scene: Scene
) -> None:
    """The grade policy of the course changes after publishing: the student's grade, scores and
    explanation stay as published (invariant 8)."""
    student = bearer(worlds.north, "student")
    _patch(client, worlds, scene, {"status": "open"})
    _score(client, worlds, scene)
    _patch(client, worlds, scene, {"status": "published"})
    before = client.get(f"{MINE}/{scene.assessment_id}", headers=student).json()
    changed = client.put(
        f"{API}/courses/{worlds.north.course.id}/grade-policy",
        json={"pass_grade": "6.0", "decimals": 2},
        headers=bearer(worlds.north, "admin"),
    )
    assert changed.status_code == 200, changed.text
    assert client.get(f"{MINE}/{scene.assessment_id}", headers=student).json() == before
