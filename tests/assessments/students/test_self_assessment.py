"""Self-assessment through HTTP on both engines: a member of a linked team scores the rubric
for their team while the assessment is open (whole list replaced, audit rows, 422 naming the
field), reads it in any status but draft, is refused outside open (409) and when not a member
(404, like an unknown id); the teacher sees self vs sheet side by side; it never feeds the
sheet or its grades."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import Role
from tests.assessments.sheets.scene import (
    Scene,
    audit_since,
    bearer_of,
    build_scene,
    last_audit_id,
    self_rows,
    set_status,
)
from tests.factories import enroll, make_user
from tests.roster.conftest import API, RosterWorld, bearer

Factory = sessionmaker[Session]


@pytest.fixture
def scene(session_factory: Factory, worlds: RosterWorld) -> Scene:
    return build_scene(session_factory, worlds)


def _criteria(scene: Scene) -> list[dict[str, Any]]:
    return [
        {
            "id": criterion,
            "name": f"Criterion {index + 1}",
            "weight": str(index + 1),
            "category": None,
            "descriptors": None,
            "position": index,
        }
        for index, criterion in enumerate(scene.criteria)
    ]


def _mine(scene: Scene, **changes: Any) -> dict[str, Any]:
    return {
        "assessment_id": scene.assessment_id,
        "title": "Eindbeoordeling",
        "status": "open",
        "editable": True,
        "project_team_id": scene.team_id,
        "team_number": 1,
        "version": 1,
        "scale_min": 1,
        "scale_max": 5,
        "criteria": _criteria(scene),
        "scores": [],
        **changes,
    }


def test_a_member_scores_their_team_and_replaces_it(
    client: TestClient, worlds: RosterWorld, scene: Scene, session_factory: Factory
) -> None:
    student = bearer(worlds.north, "student")
    empty = client.get(scene.mine, headers=student)
    assert empty.status_code == 200, empty.text
    assert empty.json() == _mine(scene)

    c1, c2 = scene.criteria
    since = last_audit_id(session_factory)
    saved = client.put(
        scene.mine,
        json={
            "scores": [
                {"criterion_id": c2, "score": 4, "comment": "Ik deed de planning"},
                {"criterion_id": c1, "score": 3},
            ]
        },
        headers=student,
    )
    assert saved.status_code == 200, saved.text
    expected = _mine(
        scene,
        scores=[
            {"criterion_id": c1, "score": 3, "comment": None},
            {"criterion_id": c2, "score": 4, "comment": "Ik deed de planning"},
        ],
    )
    assert saved.json() == expected
    assert client.get(scene.mine, headers=student).json() == expected
    me, team = scene.student_id, scene.team_id
    assert self_rows(session_factory, scene.assessment_id) == [
        (me, team, c1, 3, None),
        (me, team, c2, 4, "Ik deed de planning"),
    ]
    base = {"assessment_id": scene.assessment_id, "project_team_id": team}
    assert [(a, k, c) for a, k, _id, c in audit_since(session_factory, since)] == [
        (
            "assessment.self.created",
            "self_assessment",
            {
                **base,
                "criterion_id": c2,
                "before": None,
                "after": {"score": 4, "comment": "Ik deed de planning"},
            },
        ),
        (
            "assessment.self.created",
            "self_assessment",
            {**base, "criterion_id": c1, "before": None, "after": {"score": 3, "comment": None}},
        ),
    ]

    since = last_audit_id(session_factory)
    replaced = client.put(
        scene.mine, json={"scores": [{"criterion_id": c1, "score": 5}]}, headers=student
    )
    assert replaced.status_code == 200
    assert replaced.json()["scores"] == [{"criterion_id": c1, "score": 5, "comment": None}]
    assert self_rows(session_factory, scene.assessment_id) == [(me, team, c1, 5, None)]
    assert [
        (a, c["criterion_id"], c["before"], c["after"])
        for a, _k, _i, c in audit_since(session_factory, since)
    ] == [
        ("assessment.self.removed", c2, {"score": 4, "comment": "Ik deed de planning"}, None),
        (
            "assessment.self.changed",
            c1,
            {"score": 3, "comment": None},
            {"score": 5, "comment": None},
        ),
    ]
    # It never feeds the sheet: no score row, no grade.
    sheet = client.get(scene.sheet, headers=bearer(worlds.north, "teacher")).json()
    assert (sheet["scores"], sheet["overrides"], sheet["sheet_version"]) == ([], [], 0)
    assert {row["grade"] for row in sheet["preview"]} == {None}


def test_bad_scores_are_named_and_nothing_is_written(
    client: TestClient, worlds: RosterWorld, scene: Scene, session_factory: Factory
) -> None:
    c1, _c2 = scene.criteria
    response = client.put(
        scene.mine,
        json={"scores": [{"criterion_id": c1, "score": 9}, {"criterion_id": c1, "score": 2}]},
        headers=bearer(worlds.north, "student"),
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "scores.0.score", "message": "9 is outside the rubric's scale 1..5"},
        {
            "field": "scores.1.criterion_id",
            "message": f"criterion {c1} is scored twice (also at scores.0)",
        },
    ]
    assert self_rows(session_factory, scene.assessment_id) == []


def test_writes_only_while_open_and_reads_never_of_a_draft(
    client: TestClient, worlds: RosterWorld, scene: Scene, session_factory: Factory
) -> None:
    student = bearer(worlds.north, "student")
    c1, _c2 = scene.criteria
    body = {"scores": [{"criterion_id": c1, "score": 4}]}
    assert client.put(scene.mine, json=body, headers=student).status_code == 200
    for status in ("closed", "published"):
        set_status(session_factory, scene.assessment_id, status)
        refused = client.put(scene.mine, json={"scores": []}, headers=student)
        assert refused.status_code == 409, refused.text
        assert refused.json()["detail"] == (
            "A self-assessment can be written only while the assessment is open; assessment "
            f"{scene.assessment_id} is {status}."
        )
        read = client.get(scene.mine, headers=student)
        assert read.json() == _mine(
            scene,
            status=status,
            editable=False,
            scores=[{"criterion_id": c1, "score": 4, "comment": None}],
        )
    set_status(session_factory, scene.assessment_id, "draft")
    unknown = client.get(f"{API}/me/assessments/{2**31 - 1}/self", headers=student).json()
    for response in (
        client.get(scene.mine, headers=student),
        client.put(scene.mine, json=body, headers=student),
    ):
        assert response.status_code == 404
        assert {**response.json(), "detail": "", "instance": ""} == {
            **unknown,
            "detail": "",
            "instance": "",
        }
    assert self_rows(session_factory, scene.assessment_id) == [
        (scene.student_id, scene.team_id, c1, 4, None)
    ]


def test_only_members_of_a_linked_team(
    client: TestClient, worlds: RosterWorld, scene: Scene, session_factory: Factory
) -> None:
    with session_factory.begin() as session:
        outsider = make_user(session, worlds.north.school, Role.STUDENT, "buiten@north.example.org")
        enroll(session, worlds.north.course, outsider)
    outsider_headers = bearer_of(outsider)
    c1, _c2 = scene.criteria
    for headers in (
        outsider_headers,
        bearer(worlds.north, "teacher"),
        bearer(worlds.north, "admin"),
        bearer(worlds.south, "student"),
    ):
        assert client.get(scene.mine, headers=headers).status_code == 404
        put = client.put(
            scene.mine, json={"scores": [{"criterion_id": c1, "score": 3}]}, headers=headers
        )
        assert put.status_code == 404
    assert self_rows(session_factory, scene.assessment_id) == []


def test_the_teacher_sees_self_and_sheet_side_by_side(
    client: TestClient, worlds: RosterWorld, scene: Scene
) -> None:
    c1, c2 = scene.criteria
    teacher = bearer(worlds.north, "teacher")
    assert (
        client.put(
            scene.sheet,
            json={
                "scores": [{"criterion_id": c1, "score": 4}],
                "overrides": [
                    {
                        "student_id": scene.student_id,
                        "criterion_id": c1,
                        "score": 5,
                        "reason": "Extra",
                    }
                ],
            },
            headers=teacher,
        ).status_code
        == 200
    )
    assert (
        client.put(
            scene.mine,
            json={"scores": [{"criterion_id": c1, "score": 3, "comment": "Bescheiden"}]},
            headers=bearer(worlds.north, "student"),
        ).status_code
        == 200
    )
    url = f"{API}/assessments/{scene.assessment_id}/teams/{scene.team_id}/self"
    response = client.get(url, headers=teacher)
    assert response.status_code == 200, response.text

    def row(
        criterion: int, mine: int | None, note: str | None, sheet: int | None, source: str | None
    ) -> dict[str, Any]:
        return {
            "criterion_id": criterion,
            "self_score": mine,
            "self_comment": note,
            "teacher_score": sheet,
            "teacher_source": source,
        }

    assert response.json() == {
        "assessment_id": scene.assessment_id,
        "project_team_id": scene.team_id,
        "team_number": 1,
        "version": 1,
        "scale_min": 1,
        "scale_max": 5,
        "criteria": _criteria(scene),
        "members": [
            {
                "student_id": scene.student_id,
                "name": "Student",
                "submitted": True,
                "scores": [
                    row(c1, 3, "Bescheiden", 5, "override"),
                    row(c2, None, None, None, None),
                ],
            },
            {
                "student_id": scene.other_student_id,
                "name": "Student2",
                "submitted": False,
                "scores": [row(c1, None, None, 4, "team"), row(c2, None, None, None, None)],
            },
        ],
    }
    for role in ("other_teacher", "student"):
        assert client.get(url, headers=bearer(worlds.north, role)).status_code == 403
