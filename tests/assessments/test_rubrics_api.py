"""Rubrics through HTTP on both engines: create, validation naming the field, list and read in
a constant number of statements, PATCH with whole-list criteria replacement, frozen rubrics
(409 naming the copy route) and copies, who may manage what, audit rows."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.assessments.rubrics.service import freeze_rubric
from teameval.audit_trail import Actor
from teameval.models import AuditLog, Rubric
from tests.roster.conftest import API, RosterWorld, bearer
from tests.statements import recorded_statements

BODY: dict[str, Any] = {
    "title": "Eindproject",
    "description": "Samenwerking en product",
    "scope": "project",
    "scale_min": 1,
    "scale_max": 4,
    "criteria": [
        {
            "name": "Samenwerking",
            "weight": "2.5",
            "category": "Proces",
            "descriptors": ["slecht", "matig", "goed", "uitstekend"],
        },
        {"name": "Product", "weight": 1},
    ],
}


def _create(client: TestClient, headers: dict[str, str], body: dict[str, Any] = BODY) -> Any:
    response = client.post(f"{API}/rubrics", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def _without_ids(rubric: dict[str, Any]) -> dict[str, Any]:
    return {
        **{k: v for k, v in rubric.items() if k not in ("id", "criteria", "frozen_at")},
        "criteria": [{k: v for k, v in c.items() if k != "id"} for c in rubric["criteria"]],
    }


def test_create_answers_the_rubric_with_exact_weights_and_location(
    client: TestClient, worlds: RosterWorld
) -> None:
    teacher = bearer(worlds.north, "teacher")
    response = client.post(f"{API}/rubrics", json=BODY, headers=teacher)
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"].endswith(f"/api/v1/rubrics/{created['id']}")
    assert _without_ids(created) == {
        "title": "Eindproject",
        "description": "Samenwerking en product",
        "scope": "project",
        "scale_min": 1,
        "scale_max": 4,
        "frozen": False,
        "copied_from_id": None,
        "criteria": [
            {
                "name": "Samenwerking",
                "weight": "2.5",
                "category": "Proces",
                "descriptors": ["slecht", "matig", "goed", "uitstekend"],
                "position": 0,
            },
            {
                "name": "Product",
                "weight": "1",
                "category": None,
                "descriptors": None,
                "position": 1,
            },
        ],
    }
    assert client.get(response.headers["location"], headers=teacher).json() == created


def test_weights_keep_every_digit(client: TestClient, worlds: RosterWorld) -> None:
    body = {
        **BODY,
        "criteria": [{"name": "A", "weight": "123456.789"}, {"name": "B", "weight": "0.001"}],
    }
    created = _create(client, bearer(worlds.north, "admin"), body)
    read = client.get(f"{API}/rubrics/{created['id']}", headers=bearer(worlds.north, "admin"))
    assert [c["weight"] for c in read.json()["criteria"]] == ["123456.789", "0.001"]


def _problem_fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/validation-error"
    return [error["field"] for error in response.json()["errors"]]


def test_validation_errors_name_the_field(
    client: TestClient, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    admin = bearer(worlds.north, "admin")
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({**BODY, "scale_min": 4, "scale_max": 4}, ["scale_max"]),
        ({**BODY, "scale_min": 0, "scale_max": 10}, ["scale_max"]),  # 11 levels
        ({**BODY, "scale_min": -1}, ["scale_min"]),
        ({**BODY, "criteria": [{"name": "A", "weight": 0}]}, ["criteria.0.weight"]),
        ({**BODY, "criteria": [{"name": "A", "weight": "-1.5"}]}, ["criteria.0.weight"]),
        ({**BODY, "criteria": [{"name": "A", "weight": "1.0001"}]}, ["criteria.0.weight"]),
        (
            {**BODY, "criteria": [{"name": "A"}, {"name": "B", "descriptors": ["x", "y"]}]},
            ["criteria.1.descriptors"],
        ),
        ({**BODY, "criteria": [{"name": f"C{i}"} for i in range(51)]}, ["criteria"]),
        ({**BODY, "criteria": []}, ["criteria"]),
        ({**BODY, "criteria": [{"name": "   "}]}, ["criteria.0.name"]),
        ({**BODY, "title": ""}, ["title"]),
        ({**BODY, "scope": "team"}, ["scope"]),
    ]
    for body, fields in cases:
        response = client.post(f"{API}/rubrics", json=body, headers=admin)
        assert _problem_fields(response) == fields, body
    with session_factory() as session:
        assert session.scalars(sa.select(Rubric.title).order_by(Rubric.id)).all() == [
            "Projectrubric",
            "Projectrubric",
        ]


def test_list_filters_and_pages_in_constant_statements(
    client: TestClient, worlds: RosterWorld, engine: sa.Engine
) -> None:
    admin = bearer(worlds.north, "admin")
    for index in range(6):
        _create(client, admin, {**BODY, "title": f"Peer {index}", "scope": "peer"})
    counts = []
    for page_size in (2, 6):
        with recorded_statements(client.app.state.engine) as statements:  # type: ignore[attr-defined]
            response = client.get(
                f"{API}/rubrics", params={"scope": "peer", "page_size": page_size}, headers=admin
            )
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    page = response.json()
    assert page["total"] == 6
    assert [r["title"] for r in page["items"]] == [f"Peer {i}" for i in range(6)]
    assert all(len(r["criteria"]) == 2 for r in page["items"])
    searched = client.get(f"{API}/rubrics", params={"q": "PROJECT"}, headers=admin).json()
    assert [r["id"] for r in searched["items"]] == [worlds.north_rubric.id]  # not south's


def test_get_reads_in_constant_statements(client: TestClient, worlds: RosterWorld) -> None:
    admin = bearer(worlds.north, "admin")
    small = _create(client, admin, {**BODY, "criteria": [{"name": "A"}]})
    large = _create(client, admin, {**BODY, "criteria": [{"name": f"C{i}"} for i in range(50)]})
    counts = []
    for rubric in (small, large):
        with recorded_statements(client.app.state.engine) as statements:  # type: ignore[attr-defined]
            assert client.get(f"{API}/rubrics/{rubric['id']}", headers=admin).json() == rubric
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_patch_replaces_the_criteria_list(
    client: TestClient, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    teacher = bearer(worlds.north, "teacher")
    created = _create(client, teacher)
    first, second = created["criteria"]
    response = client.patch(
        f"{API}/rubrics/{created['id']}",
        json={
            "title": "Eindproject v2",
            "criteria": [
                {"id": second["id"], "name": "Product", "weight": "3", "category": "Resultaat"},
                {"name": "Presentatie", "weight": "0.5", "descriptors": ["a", "b", "c", "d"]},
            ],
        },
        headers=teacher,
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    added_id = updated["criteria"][1]["id"]
    assert added_id not in (first["id"], second["id"])
    assert updated["criteria"] == [
        {
            "id": second["id"],
            "name": "Product",
            "weight": "3",
            "category": "Resultaat",
            "descriptors": None,
            "position": 0,
        },
        {
            "id": added_id,
            "name": "Presentatie",
            "weight": "0.5",
            "category": None,
            "descriptors": ["a", "b", "c", "d"],
            "position": 1,
        },
    ]
    assert updated["title"] == "Eindproject v2"
    assert client.get(f"{API}/rubrics/{created['id']}", headers=teacher).json() == updated
    with session_factory() as session:
        audit = session.scalars(
            sa.select(AuditLog).where(
                AuditLog.action == "rubric.updated", AuditLog.entity_id == created["id"]
            )
        ).one()
    assert audit.changes == {
        "title": ["Eindproject", "Eindproject v2"],
        "criteria": {
            "added": [
                {
                    "name": "Presentatie",
                    "weight": "0.5",
                    "category": None,
                    "descriptors": ["a", "b", "c", "d"],
                    "position": 1,
                }
            ],
            "removed": [{"id": first["id"], "name": "Samenwerking"}],
            "changed": {
                str(second["id"]): {
                    "weight": ["1", "3"],
                    "category": [None, "Resultaat"],
                    "position": [1, 0],
                }
            },
        },
    }


def test_patch_refuses_criteria_of_another_rubric_and_writes_nothing(
    client: TestClient, worlds: RosterWorld
) -> None:
    teacher = bearer(worlds.north, "teacher")
    created = _create(client, teacher)
    other = _create(client, teacher)
    response = client.patch(
        f"{API}/rubrics/{created['id']}",
        json={
            "title": "Changed",
            "criteria": [
                {"id": other["criteria"][0]["id"], "name": "X"},
                {"id": created["criteria"][0]["id"], "name": "Y"},
                {"id": created["criteria"][0]["id"], "name": "Z"},
                {"name": "W", "descriptors": ["1"]},
            ],
        },
        headers=teacher,
    )
    assert _problem_fields(response) == [
        "criteria.3.descriptors",
        "criteria.0.id",
        "criteria.2.id",
    ]
    assert client.get(f"{API}/rubrics/{created['id']}", headers=teacher).json() == created


def test_teachers_manage_only_their_own_rubrics(client: TestClient, worlds: RosterWorld) -> None:
    mine = _create(client, bearer(worlds.north, "other_teacher"))
    teacher = bearer(worlds.north, "teacher")
    assert client.get(f"{API}/rubrics/{mine['id']}", headers=teacher).status_code == 200
    refused = client.patch(f"{API}/rubrics/{mine['id']}", json={"title": "X"}, headers=teacher)
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/forbidden"
    admin = bearer(worlds.north, "admin")
    allowed = client.patch(f"{API}/rubrics/{mine['id']}", json={"title": "X"}, headers=admin)
    assert allowed.status_code == 200
    student = bearer(worlds.north, "student")
    assert client.get(f"{API}/rubrics", headers=student).status_code == 403
    assert client.get(f"{API}/rubrics/{mine['id']}", headers=student).status_code == 403


def test_a_frozen_rubric_refuses_edits_and_its_copy_is_editable(
    client: TestClient, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    teacher = bearer(worlds.north, "teacher")
    created = _create(client, teacher)
    with session_factory.begin() as session:
        rubric = session.get(Rubric, created["id"])
        assert rubric is not None
        actor = Actor.command_line(rubric.school_id, "test")
        assert freeze_rubric(session, actor, rubric, "assessment 7 opened") is True
        assert freeze_rubric(session, actor, rubric, "again") is False
    frozen = client.get(f"{API}/rubrics/{created['id']}", headers=teacher).json()
    assert frozen["frozen"] is True
    assert frozen["frozen_at"] is not None
    for body in ({"title": "New"}, {"criteria": [{"name": "Only"}]}):
        response = client.patch(f"{API}/rubrics/{created['id']}", json=body, headers=teacher)
        assert response.status_code == 409, response.text
        problem = response.json()
        assert problem["type"] == "/problems/conflict"
        assert f"POST /rubrics/{created['id']}/copy" in problem["detail"]
        assert problem["copy"] == f"/api/v1/rubrics/{created['id']}/copy"
    assert client.get(f"{API}/rubrics/{created['id']}", headers=teacher).json() == frozen

    other = bearer(worlds.north, "other_teacher")
    response = client.post(f"{API}/rubrics/{created['id']}/copy", headers=other)
    assert response.status_code == 201, response.text
    copy = response.json()
    assert response.headers["location"].endswith(f"/api/v1/rubrics/{copy['id']}")
    assert copy["title"] == "Eindproject (copy)"
    assert copy["copied_from_id"] == created["id"]
    assert copy["frozen"] is False
    assert copy["frozen_at"] is None
    assert {c["id"] for c in copy["criteria"]}.isdisjoint(c["id"] for c in created["criteria"])
    assert {**_without_ids(copy), "title": "?", "copied_from_id": None} == {
        **_without_ids(created),
        "title": "?",
    }
    # The copy belongs to whoever copied it: they may edit it.
    edited = client.patch(f"{API}/rubrics/{copy['id']}", json={"title": "Mine"}, headers=other)
    assert edited.status_code == 200
    with session_factory() as session:
        actions = session.scalars(
            sa.select(AuditLog.action).where(AuditLog.entity_type == "rubric").order_by(AuditLog.id)
        ).all()
    assert actions == ["rubric.created", "rubric.frozen", "rubric.copied", "rubric.updated"]


def test_a_copy_of_a_long_title_stays_within_the_limit(
    client: TestClient, worlds: RosterWorld
) -> None:
    admin = bearer(worlds.north, "admin")
    created = _create(client, admin, {**BODY, "title": "x" * 200})
    copy = client.post(f"{API}/rubrics/{created['id']}/copy", headers=admin).json()
    assert copy["title"] == "x" * 193 + " (copy)"


def test_if_match_guards_a_read_modify_write(client: TestClient, worlds: RosterWorld) -> None:
    teacher = bearer(worlds.north, "teacher")
    path = f"{API}/rubrics/{worlds.north_rubric.id}"
    read = client.get(path, headers=teacher)
    etag = read.headers["etag"]
    first = client.patch(path, json={"title": "Mine"}, headers={**teacher, "If-Match": etag})
    assert first.status_code == 200, first.text
    assert first.headers["etag"] != etag
    assert client.get(path, headers=teacher).headers["etag"] == first.headers["etag"]
    stale = client.patch(
        path, json={"criteria": [{"name": "Theirs"}]}, headers={**teacher, "If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.json()["type"] == "/problems/precondition-failed"
    assert stale.json()["etag"] == first.headers["etag"]
    assert client.get(path, headers=teacher).json() == first.json()
