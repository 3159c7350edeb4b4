"""Invariant 9 across the whole API: after one assessment is published (the other student with
an override and a lower grade) and a second one is open and scored, no response to a student on
any GET route of the app holds another student's override, reason or grade, nor anything of the
unpublished assessment; the unpublished one is the unknown-id 404 on every /me route."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.assessments.sheets.scene import build_scene
from tests.roster.conftest import API, RosterWorld, bearer
from tests.roster.routes_table import ROUTES, call

Factory = sessionmaker[Session]
THEIR_REASON = "Kwam nooit opdagen"
SECRET_TITLE = "Geheime tussentijdse toets"
SECRET_REASON = "Nog niet bekend maken"


def _ok(response: Any) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_no_student_response_holds_anything_not_theirs(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_scene(session_factory, worlds, "draft")
    teacher = bearer(worlds.north, "teacher")
    assessment = f"{API}/assessments/{scene.assessment_id}"
    c1, c2 = scene.criteria
    _ok(client.patch(assessment, json={"status": "open"}, headers=teacher))
    _ok(
        client.put(
            scene.sheet,
            json={
                "scores": [{"criterion_id": c1, "score": 4}, {"criterion_id": c2, "score": 4}],
                "overrides": [
                    {
                        "student_id": scene.other_student_id,
                        "criterion_id": c2,
                        "score": 1,
                        "reason": THEIR_REASON,
                    }
                ],
            },
            headers=teacher,
        )
    )
    _ok(client.patch(assessment, json={"status": "published"}, headers=teacher))
    # Their grade: c1 4, c2 1 -> r = 2 -> 1 + 4.5 * (2 - 1) / (3 - 1) = 3.25 -> 3.3.
    theirs = _ok(
        client.get(
            f"{API}/me/assessments/{scene.assessment_id}",
            headers=bearer(worlds.north, "other_student"),
        )
    )
    assert theirs["grade"] == "3.3"

    secret = _ok(
        client.post(
            f"{API}/projects/{worlds.north_project.id}/assessments",
            json={"title": SECRET_TITLE, "rubric_id": worlds.north_rubric.id, "kind": "interim"},
            headers=teacher,
        )
    )
    _ok(client.patch(f"{API}/assessments/{secret['id']}", json={"status": "open"}, headers=teacher))
    # Opening links the current team version, the one the first assessment locked.
    secret_sheet = f"{API}/assessments/{secret['id']}/teams/{scene.team_id}/scores"
    _ok(
        client.put(
            secret_sheet,
            json={
                "scores": [{"criterion_id": c1, "score": 2, "comment": SECRET_REASON}],
                "overrides": [
                    {
                        "student_id": scene.student_id,
                        "criterion_id": c1,
                        "score": 1,
                        "reason": SECRET_REASON,
                    }
                ],
                "comment": SECRET_REASON,
            },
            headers=teacher,
        )
    )

    student = bearer(worlds.north, "student")
    bodies = []
    for route in ROUTES:
        if route.method != "GET":
            continue
        response = call(client, worlds, "GET", route.path, None, student)
        bodies.append((route.path, response.status_code, response.text))
    for path in (
        f"/me/assessments/{secret['id']}",
        f"/me/assessments/{secret['id']}/self",
        "/me/assessments",
        f"/me/assessments/{scene.assessment_id}",
    ):
        response = client.get(API + path, headers=student)
        bodies.append((path, response.status_code, response.text))
    compact = [(path, status, text.replace(" ", "")) for path, status, text in bodies]
    for path, status, text in compact:
        for forbidden in (THEIR_REASON, SECRET_REASON, '"grade":"3.3"'):
            assert forbidden.replace(" ", "") not in text, (path, status, text)
        # An open assessment shows itself to its students only as something to self-assess.
        if not path.endswith(f"/me/assessments/{secret['id']}/self"):
            assert SECRET_TITLE.replace(" ", "") not in text, (path, status, text)

    # Its self-assessment: the title and rubric, the student's own (empty) scores, nothing of
    # the teacher's sheet.
    own = client.get(f"{API}/me/assessments/{secret['id']}/self", headers=student).json()
    assert {k: v for k, v in own.items() if k != "criteria"} == {
        "assessment_id": secret["id"],
        "title": SECRET_TITLE,
        "status": "open",
        "editable": True,
        "project_team_id": scene.team_id,
        "team_number": 1,
        "version": 1,
        "scale_min": 1,
        "scale_max": 5,
        "scores": [],
    }
    unknown = client.get(f"{API}/me/assessments/{2**31 - 1}", headers=student).json()
    response = client.get(f"{API}/me/assessments/{secret['id']}", headers=student)
    assert response.status_code == 404
    assert {k: v for k, v in response.json().items() if k not in ("detail", "instance")} == {
        k: v for k, v in unknown.items() if k not in ("detail", "instance")
    }
    listed = client.get(f"{API}/me/assessments", headers=student).json()
    assert [item["id"] for item in listed["items"]] == [scene.assessment_id]
    assert json.dumps(listed).count('"grade"') == 1
