"""Score sheets through HTTP on both engines: the whole sheet read and saved (full bodies, the
ETag, the preview of grades), rows left out removed, audit rows with before and after per
changed row, validation naming every field with nothing written, 409 outside ``open`` and for
a replaced team version (naming the current one), If-Match (412 with the current ETag), 404 for
a team not linked, and a constant number of statements per save."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import ProjectAssessmentTeam, ProjectTeam, RubricCriterion
from teameval.models.base import utcnow
from tests.assessments.factories import make_rubric
from tests.assessments.sheets.scene import (
    Scene,
    audit_since,
    build_scene,
    last_audit_id,
    link_row,
    score_rows,
)
from tests.factories import make_team
from tests.roster.conftest import API, RosterWorld, bearer
from tests.statements import recorded_statements

Factory = sessionmaker[Session]


@pytest.fixture
def scene(session_factory: Factory, worlds: RosterWorld) -> Scene:
    return build_scene(session_factory, worlds)


def _criteria(scene: Scene) -> list[dict[str, Any]]:
    return [
        {
            "id": scene.criteria[0],
            "name": "Criterion 1",
            "weight": "1",
            "category": None,
            "descriptors": None,
            "position": 0,
        },
        {
            "id": scene.criteria[1],
            "name": "Criterion 2",
            "weight": "2",
            "category": None,
            "descriptors": None,
            "position": 1,
        },
    ]


def _sheet(scene: Scene, **changes: Any) -> dict[str, Any]:
    body = {
        "assessment_id": scene.assessment_id,
        "assessment_status": "open",
        "project_team_id": scene.team_id,
        "team_number": 1,
        "version": 1,
        "active": True,
        "rubric_id": None,  # filled by the test
        "scale_min": 1,
        "scale_max": 5,
        "members": [
            {"id": scene.student_id, "name": "Student", "student_number": None},
            {"id": scene.other_student_id, "name": "Student2", "student_number": None},
        ],
        "criteria": _criteria(scene),
        "scores": [],
        "overrides": [],
        "comment": None,
        "sheet_version": 0,
        "complete": False,
        "preview": [
            {
                "student_id": scene.student_id,
                "weighted_score": None,
                "weighted_score_exact": None,
                "grade": None,
            },
            {
                "student_id": scene.other_student_id,
                "weighted_score": None,
                "weighted_score_exact": None,
                "grade": None,
            },
        ],
    }
    body.update(changes)
    return body


def _etag(scene: Scene, version: int) -> str:
    return f'"sheet-{scene.assessment_id}-{scene.team_id}-{version}"'


def _full_body(scene: Scene) -> dict[str, Any]:
    c1, c2 = scene.criteria
    return {
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
            }
        ],
        "comment": "Sterk eindproduct",
    }


def test_an_empty_sheet_and_a_full_save(
    client: TestClient, worlds: RosterWorld, scene: Scene, session_factory: Factory
) -> None:
    teacher = bearer(worlds.north, "teacher")
    empty = client.get(scene.sheet, headers=teacher)
    assert empty.status_code == 200, empty.text
    assert empty.headers["etag"] == _etag(scene, 0)
    assert empty.json() == _sheet(scene, rubric_id=worlds.north_rubric.id)

    since = last_audit_id(session_factory)
    saved = client.put(scene.sheet, json=_full_body(scene), headers=teacher)
    assert saved.status_code == 200, saved.text
    assert saved.headers["etag"] == _etag(scene, 1)
    c1, c2 = scene.criteria
    # Student: 4 and (override) 5 -> r = 14/3 -> 5.5 + 4.5 * (5/3) / 2 = 9.25 -> 9.3 (half up);
    # Student2: 4 and 3 -> r = 10/3 -> 6.25 -> 6.3.
    expected = _sheet(
        scene,
        rubric_id=worlds.north_rubric.id,
        scores=[
            {"criterion_id": c1, "score": 4, "comment": "Goed samengewerkt"},
            {"criterion_id": c2, "score": 3, "comment": None},
        ],
        overrides=[
            {
                "student_id": scene.student_id,
                "criterion_id": c2,
                "score": 5,
                "reason": "Trok de planning",
            }
        ],
        comment="Sterk eindproduct",
        sheet_version=1,
        complete=True,
        preview=[
            {
                "student_id": scene.student_id,
                "weighted_score": "4.6667",
                "weighted_score_exact": "14/3",
                "grade": "9.3",
            },
            {
                "student_id": scene.other_student_id,
                "weighted_score": "3.3333",
                "weighted_score_exact": "10/3",
                "grade": "6.3",
            },
        ],
    )
    assert saved.json() == expected
    again = client.get(scene.sheet, headers=teacher)
    assert again.json() == expected
    assert again.headers["etag"] == _etag(scene, 1)

    school, team = worlds.north.school.id, scene.team_id
    rubric = worlds.north_rubric.id
    assert score_rows(session_factory, scene.assessment_id) == sorted(
        [
            (team, c1, None, 4, "Goed samengewerkt", None, rubric, school),
            (team, c2, None, 3, None, None, rubric, school),
            (team, c2, scene.student_id, 5, None, "Trok de planning", rubric, school),
        ],
        key=repr,
    )
    assert link_row(session_factory, scene.assessment_id, team) == (True, "Sterk eindproduct", 1)
    audit = [
        (action, kind, changes)
        for action, kind, _id, changes in audit_since(session_factory, since)
    ]
    base = {"assessment_id": scene.assessment_id, "project_team_id": team}
    assert audit == [
        (
            "assessment.score.created",
            "project_assessment_score",
            {
                **base,
                "criterion_id": c1,
                "before": None,
                "after": {"score": 4, "comment": "Goed samengewerkt"},
            },
        ),
        (
            "assessment.score.created",
            "project_assessment_score",
            {**base, "criterion_id": c2, "before": None, "after": {"score": 3, "comment": None}},
        ),
        (
            "assessment.override.created",
            "project_assessment_score",
            {
                **base,
                "criterion_id": c2,
                "student_id": scene.student_id,
                "before": None,
                "after": {"score": 5, "reason": "Trok de planning"},
            },
        ),
        (
            "assessment.sheet.saved",
            "project_assessment_team",
            {
                **base,
                "before": {"comment": None, "sheet_version": 0},
                "after": {"comment": "Sterk eindproduct", "sheet_version": 1},
            },
        ),
    ]


def test_a_save_replaces_the_whole_sheet(
    client: TestClient, worlds: RosterWorld, scene: Scene, session_factory: Factory
) -> None:
    teacher = bearer(worlds.north, "teacher")
    assert client.put(scene.sheet, json=_full_body(scene), headers=teacher).status_code == 200
    c1, c2 = scene.criteria
    since = last_audit_id(session_factory)
    # c1 changes, c2's team score and the override go, the comment goes (not sent).
    response = client.put(
        scene.sheet,
        json={"scores": [{"criterion_id": c1, "score": 2, "comment": "Matig"}]},
        headers=teacher,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["scores"], body["overrides"], body["comment"], body["sheet_version"]) == (
        [{"criterion_id": c1, "score": 2, "comment": "Matig"}],
        [],
        None,
        2,
    )
    assert (body["complete"], body["preview"]) == (
        False,
        [
            {
                "student_id": scene.student_id,
                "weighted_score": None,
                "weighted_score_exact": None,
                "grade": None,
            },
            {
                "student_id": scene.other_student_id,
                "weighted_score": None,
                "weighted_score_exact": None,
                "grade": None,
            },
        ],
    )
    school, team, rubric = worlds.north.school.id, scene.team_id, worlds.north_rubric.id
    assert score_rows(session_factory, scene.assessment_id) == [
        (team, c1, None, 2, "Matig", None, rubric, school)
    ]
    audit = {
        (action, changes.get("criterion_id", None)): changes
        for action, _kind, _id, changes in audit_since(session_factory, since)
    }
    assert audit[("assessment.score.changed", c1)]["before"] == {
        "score": 4,
        "comment": "Goed samengewerkt",
    }
    assert audit[("assessment.score.changed", c1)]["after"] == {"score": 2, "comment": "Matig"}
    assert audit[("assessment.score.removed", c2)]["after"] is None
    assert audit[("assessment.override.removed", c2)]["before"] == {
        "score": 5,
        "reason": "Trok de planning",
    }
    assert audit[("assessment.sheet.saved", None)]["after"] == {"comment": None, "sheet_version": 2}
    assert len(audit) == 4

    # The same sheet again changes nothing: no version, no audit row.
    since = last_audit_id(session_factory)
    same = client.put(
        scene.sheet,
        json={"scores": [{"criterion_id": c1, "score": 2, "comment": "Matig"}]},
        headers=teacher,
    )
    assert same.status_code == 200
    assert same.headers["etag"] == _etag(scene, 2)
    assert same.json() == body
    assert audit_since(session_factory, since) == []


def test_every_bad_field_is_named_and_nothing_is_written(
    client: TestClient, worlds: RosterWorld, scene: Scene, session_factory: Factory
) -> None:
    teacher = bearer(worlds.north, "teacher")
    assert client.put(scene.sheet, json=_full_body(scene), headers=teacher).status_code == 200
    with session_factory.begin() as session:
        foreign = make_rubric(session, worlds.north.teacher, "Another rubric", weights=("1",))
        foreign_criterion = session.scalars(
            select(RubricCriterion.id).where(RubricCriterion.rubric_id == foreign.id)
        ).one()
    before = score_rows(session_factory, scene.assessment_id)
    c1, c2 = scene.criteria
    body = {
        "scores": [
            {"criterion_id": c1, "score": 6},
            {"criterion_id": foreign_criterion, "score": 3},
            {"criterion_id": c1, "score": 0},
        ],
        "overrides": [
            {
                "student_id": worlds.north.archived_student.id,
                "criterion_id": c1,
                "score": 3,
                "reason": "Ziek",
            },
            {"student_id": scene.student_id, "criterion_id": c2, "score": 3, "reason": "  "},
            {"student_id": scene.student_id, "criterion_id": c2, "score": 4, "reason": "Twee"},
        ],
    }
    response = client.put(scene.sheet, json=body, headers=teacher)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/problems/validation-error"
    assert problem["errors"] == [
        {"field": "scores.0.score", "message": "6 is outside the rubric's scale 1..5"},
        {
            "field": "scores.1.criterion_id",
            "message": f"criterion {foreign_criterion} is not a criterion of this assessment's "
            "rubric",
        },
        {"field": "scores.2.score", "message": "0 is outside the rubric's scale 1..5"},
        {
            "field": "scores.2.criterion_id",
            "message": f"criterion {c1} is scored twice (also at scores.0)",
        },
        {
            "field": "overrides.0.student_id",
            "message": f"student {worlds.north.archived_student.id} is not a member of team 1 "
            f"version 1 (id {scene.team_id})",
        },
        {"field": "overrides.1.reason", "message": "an override needs a reason"},
        {
            "field": "overrides.2.criterion_id",
            "message": f"student {scene.student_id} has criterion {c2} overridden twice "
            "(also at overrides.1)",
        },
    ]
    # A reason left out and a score beyond any scale are the body's own 422s.
    missing = client.put(
        scene.sheet,
        json={
            "overrides": [{"student_id": scene.student_id, "criterion_id": c1, "score": 2}],
            "scores": [{"criterion_id": c1, "score": 1001}],
        },
        headers=teacher,
    )
    assert missing.status_code == 422
    assert [error["field"] for error in missing.json()["errors"]] == [
        "scores.0.score",
        "overrides.0.reason",
    ]
    assert score_rows(session_factory, scene.assessment_id) == before
    assert link_row(session_factory, scene.assessment_id, scene.team_id)[2] == 1


@pytest.mark.parametrize("status", ["draft", "closed", "published"])
def test_scores_are_written_only_while_open(
    client: TestClient,
    worlds: RosterWorld,
    session_factory: Factory,
    status: str,
) -> None:
    scene = build_scene(session_factory, worlds, status)
    response = client.put(
        scene.sheet, json=_full_body(scene), headers=bearer(worlds.north, "admin")
    )
    assert response.status_code == 409, response.text
    assert response.json() == {
        "type": "/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "Scores can be written only while the assessment is open; assessment "
        f"{scene.assessment_id} is {status}.",
        "instance": scene.sheet.removeprefix("http://testserver"),
        "status_now": status,
        "required": "open",
    }
    assert score_rows(session_factory, scene.assessment_id) == []
    # Reading stays possible in every status.
    read = client.get(scene.sheet, headers=bearer(worlds.north, "teacher"))
    assert read.status_code == 200
    assert read.json()["assessment_status"] == status


def test_a_replaced_team_version_is_kept_and_refused_naming_the_current_one(
    client: TestClient, worlds: RosterWorld, scene: Scene, session_factory: Factory
) -> None:
    teacher = bearer(worlds.north, "teacher")
    assert client.put(scene.sheet, json=_full_body(scene), headers=teacher).status_code == 200
    with session_factory.begin() as session:
        # What a layout change does while the assessment is open: version 2, the link inactive.
        session.execute(
            update(ProjectTeam)
            .where(ProjectTeam.id == scene.team_id)
            .values(is_current=False, superseded_at=utcnow())
        )
        project = worlds.north_project
        newer = make_team(session, project, 1, worlds.north.student)
        newer.version = 2
        newer.previous_version_id = scene.team_id
        session.execute(
            update(ProjectAssessmentTeam)
            .where(ProjectAssessmentTeam.project_team_id == scene.team_id)
            .values(active=False)
        )
        newer_id = newer.id
    before = score_rows(session_factory, scene.assessment_id)
    response = client.put(scene.sheet, json={"scores": []}, headers=teacher)
    assert response.status_code == 409, response.text
    problem = response.json()
    assert (problem["project_team_id"], problem["current_team_id"]) == (scene.team_id, newer_id)
    assert f"team version {newer_id} is the current one" in problem["detail"]
    assert score_rows(session_factory, scene.assessment_id) == before
    kept = client.get(scene.sheet, headers=teacher).json()
    assert (kept["active"], len(kept["scores"]), kept["comment"]) == (
        False,
        2,
        "Sterk eindproduct",
    )


def test_if_match(
    client: TestClient, worlds: RosterWorld, scene: Scene, session_factory: Factory
) -> None:
    teacher = bearer(worlds.north, "teacher")
    first = client.put(
        scene.sheet, json=_full_body(scene), headers={**teacher, "If-Match": _etag(scene, 0)}
    )
    assert first.status_code == 200, first.text
    stale = client.put(
        scene.sheet, json={"scores": []}, headers={**teacher, "If-Match": _etag(scene, 0)}
    )
    assert stale.status_code == 412
    assert stale.json()["etag"] == _etag(scene, 1)
    assert stale.json()["type"] == "/problems/precondition-failed"
    weak = client.put(
        scene.sheet, json={"scores": []}, headers={**teacher, "If-Match": "W/" + _etag(scene, 1)}
    )
    assert weak.status_code == 412
    assert link_row(session_factory, scene.assessment_id, scene.team_id)[2] == 1
    current = client.put(
        scene.sheet, json={"scores": []}, headers={**teacher, "If-Match": first.headers["etag"]}
    )
    assert current.status_code == 200
    assert current.headers["etag"] == _etag(scene, 2)
    anything = client.put(scene.sheet, json=_full_body(scene), headers={**teacher, "If-Match": "*"})
    assert anything.status_code == 200
    # Without If-Match the save goes through whatever was saved in between.
    blind = client.put(scene.sheet, json={"scores": []}, headers=teacher)
    assert (blind.status_code, blind.headers["etag"]) == (200, _etag(scene, 4))


def test_a_team_not_linked_is_404(
    client: TestClient, worlds: RosterWorld, scene: Scene, session_factory: Factory
) -> None:
    with session_factory.begin() as session:
        unlinked = make_team(session, worlds.north_project, 2).id
    admin = bearer(worlds.north, "admin")
    for team_id in (unlinked, worlds.south_team.id, 2**31 - 1, 2**40):
        url = f"{API}/assessments/{scene.assessment_id}/teams/{team_id}/scores"
        for response in (client.get(url, headers=admin), client.put(url, json={}, headers=admin)):
            assert response.status_code == 404, response.text
            assert response.json()["type"] == "/problems/not-found"


def test_teachers_of_other_courses_and_students_may_not(
    client: TestClient, worlds: RosterWorld, scene: Scene, session_factory: Factory
) -> None:
    for role in ("other_teacher", "student"):
        headers = bearer(worlds.north, role)
        assert client.get(scene.sheet, headers=headers).status_code == 403
        assert client.put(scene.sheet, json=_full_body(scene), headers=headers).status_code == 403
    assert score_rows(session_factory, scene.assessment_id) == []


def test_a_save_costs_the_same_statements_for_a_small_and_a_large_sheet(
    client: TestClient, worlds: RosterWorld, scene: Scene
) -> None:
    """One criterion and no override against both criteria, overrides for both members: the
    same statements (a DELETE, an UPDATE and an INSERT at most, whatever the row count)."""
    teacher = bearer(worlds.north, "teacher")
    c1, c2 = scene.criteria
    student, other = scene.student_id, scene.other_student_id

    def override(who: int, criterion: int, score: int) -> dict[str, Any]:
        return {"student_id": who, "criterion_id": criterion, "score": score, "reason": "r"}

    # Each second save updates, removes and inserts rows.
    small_first = {
        "scores": [{"criterion_id": c1, "score": 3}],
        "overrides": [override(student, c1, 2)],
    }
    small_second = {"scores": [{"criterion_id": c1, "score": 4}, {"criterion_id": c2, "score": 3}]}
    large_first = {
        "scores": [{"criterion_id": c, "score": 4} for c in (c1, c2)],
        "overrides": [override(student, c1, 2), override(student, c2, 2), override(other, c1, 2)],
    }
    large_second = {
        "scores": [{"criterion_id": c, "score": 5} for c in (c1, c2)],
        "overrides": [override(student, c1, 3), override(other, c2, 3)],
    }
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    counts = []
    for first, second in ((small_first, small_second), (large_first, large_second)):
        client.put(scene.sheet, json={}, headers=teacher)
        with recorded_statements(engine) as inserted:
            assert client.put(scene.sheet, json=first, headers=teacher).status_code == 200
        with recorded_statements(engine) as mixed:
            assert client.put(scene.sheet, json=second, headers=teacher).status_code == 200
        with recorded_statements(engine) as read:
            assert client.get(scene.sheet, headers=teacher).status_code == 200
        counts.append((len(inserted), len(mixed), len(read)))
    assert counts[0] == counts[1], counts
    # Saves: the caller, the assessment, its lock, the link's, the rubric, members, rows, the
    # writes (a DELETE, an UPDATE, an INSERT at most), the link, the audit rows, the rows again
    # and the preview; a GET: the caller, the assessment, four reads and the preview.
    assert all(count > 0 for count in counts[0]), counts
    print("statements (first save, second save, GET):", counts[0])


def test_a_layout_change_while_open_moves_the_sheet_to_the_new_version(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    """Through the real write paths: open the assessment (locks team 1), score it, change the
    team's members (version 2, linked, the old link inactive): the old sheet is kept and refused
    naming version 2, the new one is written."""
    scene = build_scene(session_factory, worlds, "draft")
    teacher = bearer(worlds.north, "teacher")
    opened = client.patch(
        f"{API}/assessments/{scene.assessment_id}", json={"status": "open"}, headers=teacher
    )
    assert opened.status_code == 200, opened.text
    assert client.put(scene.sheet, json=_full_body(scene), headers=teacher).status_code == 200
    changed = client.put(
        f"{API}/projects/{worlds.north_project.id}/teams/{scene.team_id}/members",
        json={"member_ids": [scene.other_student_id]},
        headers=teacher,
    )
    assert changed.status_code == 200, changed.text
    newer = changed.json()["id"]
    assert newer != scene.team_id
    refused = client.put(scene.sheet, json={"scores": []}, headers=teacher)
    assert refused.status_code == 409, refused.text
    assert refused.json()["current_team_id"] == newer
    kept = client.get(scene.sheet, headers=teacher).json()
    assert (kept["active"], kept["complete"], kept["preview"], kept["sheet_version"]) == (
        False,
        False,
        [],
        1,
    )
    assert [member["id"] for member in kept["members"]] == [
        scene.student_id,
        scene.other_student_id,
    ]
    fresh = f"{API}/assessments/{scene.assessment_id}/teams/{newer}/scores"
    c1, c2 = scene.criteria
    saved = client.put(
        fresh,
        json={"scores": [{"criterion_id": c1, "score": 5}, {"criterion_id": c2, "score": 5}]},
        headers=teacher,
    )
    assert saved.status_code == 200, saved.text
    assert (saved.json()["version"], saved.json()["preview"]) == (
        2,
        [
            {
                "student_id": scene.other_student_id,
                "weighted_score": "5.0000",
                "weighted_score_exact": "5/1",
                "grade": "10.0",
            }
        ],
    )


def test_blank_comments_are_no_comments(
    client: TestClient, worlds: RosterWorld, scene: Scene, session_factory: Factory
) -> None:
    c1, _c2 = scene.criteria
    response = client.put(
        scene.sheet,
        json={"scores": [{"criterion_id": c1, "score": 3, "comment": " \n "}], "comment": "  "},
        headers=bearer(worlds.north, "teacher"),
    )
    assert response.status_code == 200, response.text
    assert (response.json()["scores"], response.json()["comment"]) == (
        [{"criterion_id": c1, "score": 3, "comment": None}],
        None,
    )
    school, rubric = worlds.north.school.id, worlds.north_rubric.id
    assert score_rows(session_factory, scene.assessment_id) == [
        (scene.team_id, c1, None, 3, None, None, rubric, school)
    ]
