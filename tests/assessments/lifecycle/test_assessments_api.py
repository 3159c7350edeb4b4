"""Assessments through HTTP on both engines: create (links the current teams; the rubric and the
policy checked, naming the field), list and read, fields only while draft, the whole status
machine (every pair), what opening does (rubric frozen, linked versions locked), audit rows."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import (
    AuditLog,
    Project,
    ProjectAssessment,
    ProjectTeam,
)
from tests.assessments.factories import make_rubric
from tests.assessments.lifecycle.helpers import (
    assessment_url,
    criteria_of,
    full_rows,
    links_of,
    move,
    patch,
    put_scores,
)
from tests.factories import make_team
from tests.roster.conftest import API, RosterWorld, bearer

Factory = sessionmaker[Session]
STATUSES = ("draft", "open", "closed", "published")
ALLOWED = {
    "draft": ["open"],
    "open": ["closed", "published"],
    "closed": ["open", "published"],
    "published": ["closed"],
}


def _create(client: TestClient, worlds: RosterWorld, **body: Any) -> Any:
    payload = {"title": "Eindbeoordeling", "rubric_id": worlds.north_rubric.id, **body}
    return client.post(
        f"{API}/projects/{worlds.north_project.id}/assessments",
        json=payload,
        headers=bearer(worlds.north, "teacher"),
    )


def _assessment_count(factory: Factory, school_id: int) -> int:
    with factory() as session:
        return (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(ProjectAssessment)
                .where(ProjectAssessment.school_id == school_id)
            )
            or 0
        )


def _audit(factory: Factory, assessment_id: int) -> list[tuple[str, dict[str, Any]]]:
    with factory() as session:
        return [
            (row.action, row.changes)
            for row in session.scalars(
                sa.select(AuditLog)
                .where(AuditLog.entity_type == "assessment", AuditLog.entity_id == assessment_id)
                .order_by(AuditLog.id)
            )
        ]


def test_create_answers_the_draft_with_location_and_links_the_current_teams(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    worlds, factory = shared_worlds, shared_session_factory
    response = _create(
        shared_client, worlds, kind="interim", grade_policy={"pass_grade": "6", "decimals": 2}
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"].endswith(f"/api/v1/assessments/{created['id']}")
    assert {k: v for k, v in created.items() if k not in ("id", "created_at", "updated_at")} == {
        "project_id": worlds.north_project.id,
        "rubric_id": worlds.north_rubric.id,
        "title": "Eindbeoordeling",
        "kind": "interim",
        "status": "draft",
        "grade_policy": {"pass_grade": "6", "decimals": 2},
        "revision": 0,
        "created_by_id": worlds.north.teacher.id,
        "opened_at": None,
        "closed_at": None,
        "published_at": None,
    }
    assert links_of(factory, created["id"]) == [(worlds.north_team.id, True)]
    # Linking does not lock: a draft changes nothing about the teams.
    with factory() as session:
        assert session.get_one(ProjectTeam, worlds.north_team.id).locked_at is None
    assert _audit(factory, created["id"]) == [
        (
            "assessment.create",
            {
                "project_id": worlds.north_project.id,
                "rubric_id": worlds.north_rubric.id,
                "title": "Eindbeoordeling",
                "kind": "interim",
                "grade_policy": {"pass_grade": "6", "decimals": 2},
                "linked_team_ids": [worlds.north_team.id],
            },
        )
    ]
    got = shared_client.get(assessment_url(created["id"]), headers=bearer(worlds.north, "teacher"))
    assert got.json() == created


@pytest.mark.parametrize("which", ["other school", "unknown", "peer scope"])
def test_create_refuses_a_rubric_it_cannot_use_naming_rubric_id(
    shared_client: TestClient,
    shared_worlds: RosterWorld,
    shared_session_factory: Factory,
    which: str,
) -> None:
    worlds, factory = shared_worlds, shared_session_factory
    if which == "other school":
        rubric_id = worlds.south_rubric.id
        message = "no such rubric"
    elif which == "unknown":
        rubric_id = 2_000_000_000
        message = "no such rubric"
    else:
        with factory.begin() as session:
            teacher = session.merge(worlds.north.teacher)
            rubric_id = make_rubric(session, teacher, "Peer", scope="peer").id
        message = "has scope peer; an assessment needs a project rubric"
    before = _assessment_count(factory, worlds.north.school.id)
    response = _create(shared_client, worlds, rubric_id=rubric_id)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"field": "rubric_id", "message": message}]
    assert _assessment_count(factory, worlds.north.school.id) == before


def test_create_refuses_a_pass_level_off_the_rubric_scale(
    shared_client: TestClient, shared_worlds: RosterWorld
) -> None:
    response = _create(shared_client, shared_worlds, grade_policy={"pass_level": "5"})
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"field": "grade_policy.pass_level", "message": "must lie strictly between 1 and 5"}
    ]
    response = _create(shared_client, shared_worlds, grade_policy={"pass_grade": "10"})
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"field": "grade_policy.pass_grade", "message": "must be below max_grade"}
    ]


def test_an_archived_project_takes_no_assessment(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    with shared_session_factory.begin() as session:
        session.get_one(Project, shared_worlds.north_project.id).status = "archived"
    response = _create(shared_client, shared_worlds)
    assert response.status_code == 409, response.text
    assert response.json()["allowed"] == []


def test_list_is_paged_newest_first_for_staff_of_the_course(
    shared_client: TestClient, shared_worlds: RosterWorld
) -> None:
    worlds = shared_worlds
    made = [_create(shared_client, worlds, title=f"A{i}").json()["id"] for i in range(3)]
    url = f"{API}/projects/{worlds.north_project.id}/assessments?page_size=2"
    page = shared_client.get(url, headers=bearer(worlds.north, "admin")).json()
    expected = [made[2], made[1], made[0], worlds.north_assessment.id]
    assert [item["id"] for item in page["items"]] == expected[:2]
    assert (page["total"], page["page"], page["page_size"]) == (4, 1, 2)
    second = shared_client.get(url + "&page=2", headers=bearer(worlds.north, "teacher")).json()
    assert [item["id"] for item in second["items"]] == expected[2:]


def test_fields_change_while_draft_and_never_after(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    worlds, factory = shared_worlds, shared_session_factory
    teacher = bearer(worlds.north, "teacher")
    assessment_id = worlds.north_assessment.id
    with factory.begin() as session:
        other = make_rubric(session, session.merge(worlds.north.teacher), "Andere").id
    body = {
        "title": "Nieuw",
        "kind": "interim",
        "rubric_id": other,
        "grade_policy": {"pass_grade": "6", "decimals": 0},
    }
    response = patch(shared_client, assessment_id, body, teacher)
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["title"], changed["kind"], changed["rubric_id"], changed["grade_policy"]) == (
        "Nieuw",
        "interim",
        other,
        {"pass_grade": "6", "decimals": 0},
    )
    assert _audit(factory, assessment_id)[-1] == (
        "assessment.update",
        {
            "title": ["Eindbeoordeling", "Nieuw"],
            "kind": ["final", "interim"],
            "rubric_id": [worlds.north_rubric.id, other],
            "grade_policy": [None, {"pass_grade": "6", "decimals": 0}],
        },
    )
    move(shared_client, assessment_id, teacher, "open")
    before = full_rows(factory, ProjectAssessment, id=assessment_id)
    for field, value in (
        ("title", "Later"),
        ("kind", "final"),
        ("rubric_id", worlds.north_rubric.id),
    ):
        response = patch(shared_client, assessment_id, {field: value}, teacher)
        assert response.status_code == 409, response.text
        assert (response.json()["fields"], response.json()["assessment_status"]) == (
            [field],
            "open",
        )
    # Sending the value it already has is not a change.
    response = patch(shared_client, assessment_id, {"title": "Nieuw"}, teacher)
    assert response.status_code == 200, response.text
    assert full_rows(factory, ProjectAssessment, id=assessment_id) == before


def test_null_and_misplaced_fields_name_the_field(
    shared_client: TestClient, shared_worlds: RosterWorld
) -> None:
    teacher = bearer(shared_worlds.north, "teacher")
    assessment_id = shared_worlds.north_assessment.id
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"title": None}, "title", "null"),
        ({"status": None}, "status", "null"),
        ({"status": "open", "complete_only": True}, "complete_only", "only with status published"),
        ({"reason": "x"}, "reason", "only when withdrawing (status closed from published)"),
    ]
    for body, field, message in cases:
        response = patch(shared_client, assessment_id, body, teacher)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"] == [{"field": field, "message": message}]


def _to_status(client: TestClient, worlds: RosterWorld, factory: Factory, status: str) -> int:
    """The world's assessment brought to ``status`` (published with complete scores)."""
    teacher = bearer(worlds.north, "teacher")
    assessment_id = worlds.north_assessment.id
    if status == "draft":
        return assessment_id
    move(client, assessment_id, teacher, "open")
    crit = criteria_of(factory, worlds.north_rubric.id)
    put_scores(factory, assessment_id, worlds.north_team.id, {crit[0]: 4, crit[1]: 5})
    if status == "closed":
        move(client, assessment_id, teacher, "closed")
    if status == "published":
        move(client, assessment_id, teacher, "published")
    return assessment_id


@pytest.mark.parametrize(
    ("start", "target"),
    [(start, target) for start in STATUSES for target in STATUSES if start != target],
)
def test_status_machine(
    shared_client: TestClient,
    shared_worlds: RosterWorld,
    shared_session_factory: Factory,
    start: str,
    target: str,
) -> None:
    worlds, factory = shared_worlds, shared_session_factory
    assessment_id = _to_status(shared_client, worlds, factory, start)
    before = full_rows(factory, ProjectAssessment, id=assessment_id)
    response = patch(
        shared_client, assessment_id, {"status": target}, bearer(worlds.north, "admin")
    )
    if target in ALLOWED[start]:
        assert response.status_code == 200, response.text
        assert response.json()["status"] == target
        return
    assert response.status_code == 409, response.text
    allowed = ALLOWED[start]
    assert response.json() == {
        "type": "/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": f"Assessment {assessment_id} cannot go from {start} to {target}; "
        f"allowed from {start}: {', '.join(allowed)}.",
        "instance": f"/api/v1/assessments/{assessment_id}",
        "from": start,
        "to": target,
        "allowed": allowed,
    }
    assert full_rows(factory, ProjectAssessment, id=assessment_id) == before


def test_the_same_status_is_a_no_op(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    assessment_id = shared_worlds.north_assessment.id
    before = full_rows(shared_session_factory, ProjectAssessment, id=assessment_id)
    response = patch(
        shared_client, assessment_id, {"status": "draft"}, bearer(shared_worlds.north, "teacher")
    )
    assert response.status_code == 200, response.text
    assert full_rows(shared_session_factory, ProjectAssessment, id=assessment_id) == before


def test_opening_links_new_teams_freezes_the_rubric_and_locks_the_linked_versions(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    worlds, factory = shared_worlds, shared_session_factory
    teacher = bearer(worlds.north, "teacher")
    assessment_id = worlds.north_assessment.id
    # A team made straight in the table (no team write path): only opening can link it.
    with factory.begin() as session:
        project = session.get_one(Project, worlds.north_project.id)
        late = make_team(session, project, 2, session.merge(worlds.north.other_student)).id
    assert links_of(factory, assessment_id) == [(worlds.north_team.id, True)]
    opened = move(shared_client, assessment_id, teacher, "open")
    assert opened["opened_at"] is not None
    assert links_of(factory, assessment_id) == [(worlds.north_team.id, True), (late, True)]
    with factory() as session:
        teams = session.scalars(
            sa.select(ProjectTeam).where(ProjectTeam.id.in_([worlds.north_team.id, late]))
        ).all()
        assert {(t.lock_reason, t.lock_reference_id, t.locked_by_id) for t in teams} == {
            ("assessment", assessment_id, worlds.north.teacher.id)
        }
    rubric = shared_client.get(f"{API}/rubrics/{worlds.north_rubric.id}", headers=teacher).json()
    assert rubric["frozen"] is True
    edit = shared_client.patch(
        f"{API}/rubrics/{worlds.north_rubric.id}", json={"title": "Anders"}, headers=teacher
    )
    assert edit.status_code == 409, edit.text
    assert _audit(factory, assessment_id)[-1] == (
        "assessment.status",
        {
            "from": "draft",
            "to": "open",
            "locked_team_ids": sorted([worlds.north_team.id, late]),
        },
    )


def test_withdraw_keeps_the_publication_and_records_the_reason(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    worlds, factory = shared_worlds, shared_session_factory
    assessment_id = _to_status(shared_client, worlds, factory, "published")
    response = patch(
        shared_client,
        assessment_id,
        {"status": "closed", "reason": "Verkeerde rubric"},
        bearer(worlds.north, "teacher"),
    )
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["revision"]) == ("closed", 1)
    publications = shared_client.get(
        assessment_url(assessment_id, "/publications"), headers=bearer(worlds.north, "teacher")
    ).json()
    (only,) = publications["items"]
    assert (only["revision"], only["withdrawn"], only["withdraw_reason"], only["results"]) == (
        1,
        True,
        "Verkeerde rubric",
        1,
    )
    assert only["withdrawn_by_id"] == worlds.north.teacher.id
    assert _audit(factory, assessment_id)[-1] == (
        "assessment.withdraw",
        {"revision": 1, "reason": "Verkeerde rubric"},
    )


def test_if_match_makes_two_tabs_safe(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    teacher = bearer(shared_worlds.north, "teacher")
    url = assessment_url(shared_worlds.north_assessment.id)
    read = shared_client.get(url, headers=teacher)
    etag = read.headers["etag"]
    first = shared_client.patch(url, json={"title": "Tab 1"}, headers={**teacher, "If-Match": etag})
    assert first.status_code == 200, first.text
    assert first.headers["etag"] == shared_client.get(url, headers=teacher).headers["etag"]
    assert first.headers["etag"] != etag
    before = full_rows(
        shared_session_factory, ProjectAssessment, id=shared_worlds.north_assessment.id
    )
    second = shared_client.patch(
        url, json={"status": "open"}, headers={**teacher, "If-Match": etag}
    )
    assert second.status_code == 412, second.text
    assert second.json()["etag"] == first.headers["etag"]
    assert (
        full_rows(shared_session_factory, ProjectAssessment, id=shared_worlds.north_assessment.id)
        == before
    )
