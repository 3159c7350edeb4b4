"""Results through HTTP on both engines: the live preview (exact values, half up), publish
refusals listing what is missing, complete_only, stored rows that never change (a policy change,
a frozen rubric), withdraw and republish as revision 2 beside revision 1's untouched rows, the
publications list, grades.csv (Excel-safe) and the CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import ProjectAssessment, User
from tests.assessments.lifecycle.helpers import (
    assessment_url,
    criteria_of,
    move,
    patch,
    publication_rows,
    put_scores,
    results_rows,
)
from tests.cli_helpers import run_cli
from tests.projects.teams.team_helpers import enrolled_students, teams_url
from tests.roster.conftest import API, Headers, RosterWorld, bearer

Factory = sessionmaker[Session]


class Scene:
    """The world's assessment, open, with team 1 (``student``, ``second``) and team 2 (``third``).

    Rubric: scale 1..5, criteria ``a`` (weight 1) and ``b`` (weight 2); default policy (pass
    level 3, pass grade 5.5, one decimal)."""

    def __init__(self, client: TestClient, worlds: RosterWorld, factory: Factory) -> None:
        self.client, self.worlds, self.factory = client, worlds, factory
        self.teacher: Headers = bearer(worlds.north, "teacher")
        self.id = worlds.north_assessment.id
        self.student = worlds.north.student.id
        self.second, self.third = enrolled_students(factory, worlds.north, 2, "res-")
        body = {
            "teams": [
                {"team_number": 1, "member_ids": [self.student, self.second]},
                {"team_number": 2, "member_ids": [self.third]},
            ]
        }
        response = client.put(teams_url(worlds.north_project.id), json=body, headers=self.teacher)
        assert response.status_code == 200, response.text
        self.team1 = worlds.north_team.id
        self.team2 = next(
            team["id"] for team in response.json()["teams"] if team["team_number"] == 2
        )
        move(client, self.id, self.teacher, "open")
        self.a, self.b = criteria_of(factory, worlds.north_rubric.id)

    def score_team1(self, b: int = 3) -> None:
        # student: r = (4 + 2*b)/3; second has an override of 5 on b: r = 14/3.
        put_scores(
            self.factory,
            self.id,
            self.team1,
            {self.a: 4, self.b: b},
            {(self.second, self.b): (5, "Trok het project")},
        )

    def results(self) -> Any:
        response = self.client.get(assessment_url(self.id, "/results"), headers=self.teacher)
        assert response.status_code == 200, response.text
        return response.json()

    def patch(self, body: dict[str, Any]) -> Any:
        return patch(self.client, self.id, body, self.teacher)


def _row(scene: Scene, student: int, **values: Any) -> dict[str, Any]:
    team = scene.team2 if student == scene.third else scene.team1
    names = {scene.student: "Student", scene.second: "res- 000", scene.third: "res- 001"}
    numbers = {scene.student: None, scene.second: "res--000", scene.third: "res--001"}
    return {
        "student_id": student,
        "name": names[student],
        "student_number": numbers[student],
        "project_team_id": team,
        "team_number": 2 if student == scene.third else 1,
        "team_version": 1,
        **values,
    }


def _graded(scene: Scene, student: int, decimal: str, exact: str, grade: str) -> dict[str, Any]:
    return _row(
        scene,
        student,
        weighted_score=decimal,
        weighted_score_exact=exact,
        grade=grade,
        complete=True,
        missing=[],
    )


DEFAULT_POLICY = {
    "pass_level": "3",
    "pass_grade": "5.5",
    "min_grade": "1",
    "max_grade": "10",
    "decimals": 1,
}


def test_the_preview_grades_exactly_with_overrides_and_lists_what_is_missing(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    scene = Scene(shared_client, shared_worlds, shared_session_factory)
    scene.score_team1()
    assert scene.results() == {
        "assessment_id": scene.id,
        "status": "open",
        "source": "preview",
        "revision": None,
        "published_at": None,
        "policy": DEFAULT_POLICY,
        "items": [
            # 5.5 + 4.5 * (10/3 - 3) / 2 = 6.25: half up is 6.3 (round() on a float says 6.2).
            _graded(scene, scene.student, "3.3333", "10/3", "6.3"),
            # 5.5 + 4.5 * (14/3 - 3) / 2 = 9.25 -> 9.3.
            _graded(scene, scene.second, "4.6667", "14/3", "9.3"),
            _row(
                scene,
                scene.third,
                weighted_score=None,
                weighted_score_exact=None,
                grade=None,
                complete=False,
                missing=[scene.a, scene.b],
            ),
        ],
    }


def test_publish_refuses_incomplete_teams_and_students_listing_what_is_missing(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    scene = Scene(shared_client, shared_worlds, shared_session_factory)
    scene.score_team1()
    before = shared_session_factory().get_one(ProjectAssessment, scene.id).status
    response = scene.patch({"status": "published"})
    assert response.status_code == 409, response.text
    assert response.json() == {
        "type": "/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": f"Assessment {scene.id} has 1 incomplete team(s) and 1 incomplete "
        'student(s); score them, or publish with "complete_only": true to publish the complete '
        "students only.",
        "instance": f"/api/v1/assessments/{scene.id}",
        "incomplete_teams": [
            {
                "project_team_id": scene.team2,
                "team_number": 2,
                "members": 1,
                "missing": [scene.a, scene.b],
            }
        ],
        "incomplete_students": [
            {
                "student_id": scene.third,
                "name": "res- 001",
                "project_team_id": scene.team2,
                "team_number": 2,
                "missing": [scene.a, scene.b],
            }
        ],
        "incomplete_team_count": 1,
        "incomplete_student_count": 1,
    }
    assert before == "open"
    assert publication_rows(shared_session_factory, scene.id) == []
    assert results_rows(shared_session_factory, scene.id) == []
    assert scene.results()["source"] == "preview"


def test_nothing_complete_is_nothing_to_publish(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    scene = Scene(shared_client, shared_worlds, shared_session_factory)
    response = scene.patch({"status": "published", "complete_only": True})
    assert response.status_code == 409, response.text
    assert response.json()["detail"] == (
        f"Assessment {scene.id} has no student with a complete score yet; there is nothing to "
        "publish."
    )
    assert publication_rows(shared_session_factory, scene.id) == []


def test_publish_complete_only_stores_the_rows_and_answers_them_while_published(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    scene, factory = (
        Scene(shared_client, shared_worlds, shared_session_factory),
        shared_session_factory,
    )
    scene.score_team1()
    response = scene.patch({"status": "published", "complete_only": True})
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["revision"]) == ("published", 1)
    (publication,) = publication_rows(factory, scene.id)
    assert publication["policy"] == DEFAULT_POLICY
    assert publication["rubric"] == {
        "id": shared_worlds.north_rubric.id,
        "title": "Projectrubric",
        "scale_min": 1,
        "scale_max": 5,
        "criteria": [
            {"id": scene.a, "name": "Criterion 1", "weight": "1", "category": None, "position": 0},
            {"id": scene.b, "name": "Criterion 2", "weight": "2", "category": None, "position": 1},
        ],
    }
    assert (publication["revision"], publication["complete_only"]) == (1, True)
    assert publication["published_by_id"] == shared_worlds.north.teacher.id
    stored = [
        {k: v for k, v in row.items() if k not in ("id", "created_at")}
        for row in results_rows(factory, scene.id)
    ]

    def scores(b: int, source: str, reason: str | None) -> list[dict[str, Any]]:
        return [
            {"criterion_id": scene.a, "name": "Criterion 1", "weight": "1", "score": 4,
             "source": "team", "reason": None},
            {"criterion_id": scene.b, "name": "Criterion 2", "weight": "2", "score": b,
             "source": source, "reason": reason},
        ]  # fmt: skip

    common = {
        "school_id": shared_worlds.north.school.id,
        "assessment_id": scene.id,
        "publication_id": publication["id"],
        "revision": 1,
        "project_team_id": scene.team1,
        "team_number": 1,
        "team_version": 1,
        "comment": None,
    }
    assert sorted(stored, key=lambda row: row["student_id"]) == sorted(
        [
            {
                **common,
                "student_id": scene.student,
                "weighted_score": "10/3",
                "weighted_score_decimal": Decimal("3.3333"),
                "grade": Decimal("6.30"),
                "scores": scores(3, "team", None),
            },
            {
                **common,
                "student_id": scene.second,
                "weighted_score": "14/3",
                "weighted_score_decimal": Decimal("4.6667"),
                "grade": Decimal("9.30"),
                "scores": scores(5, "override", "Trok het project"),
            },
        ],
        key=lambda row: row["student_id"],
    )
    answered = scene.results()
    assert {k: v for k, v in answered.items() if k not in ("published_at", "items")} == {
        "assessment_id": scene.id,
        "status": "published",
        "source": "publication",
        "revision": 1,
        "policy": DEFAULT_POLICY,
    }
    assert answered["items"] == [
        _graded(scene, scene.student, "3.3333", "10/3", "6.3"),
        _graded(scene, scene.second, "4.6667", "14/3", "9.3"),
    ]


def test_published_results_never_change_and_a_republish_is_revision_two(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    scene, factory, worlds = (
        Scene(shared_client, shared_worlds, shared_session_factory),
        shared_session_factory,
        shared_worlds,
    )
    admin = bearer(worlds.north, "admin")
    scene.score_team1()
    put_scores(factory, scene.id, scene.team2, {scene.a: 2, scene.b: 2})
    move(shared_client, scene.id, scene.teacher, "published")
    revision1 = results_rows(factory, scene.id)
    publication1 = publication_rows(factory, scene.id)
    answered1 = scene.results()
    # The rubric is frozen: it cannot change under the results.
    edit = shared_client.patch(
        f"{API}/rubrics/{worlds.north_rubric.id}",
        json={"criteria": [{"name": "Alles", "weight": "1"}]},
        headers=scene.teacher,
    )
    assert edit.status_code == 409, edit.text
    # A copy changes freely, and nothing of it reaches the assessment.
    copy = shared_client.post(
        f"{API}/rubrics/{worlds.north_rubric.id}/copy", headers=scene.teacher
    ).json()
    reweighted = shared_client.patch(
        f"{API}/rubrics/{copy['id']}",
        json={"criteria": [{"name": "Alles", "weight": "5"}]},
        headers=scene.teacher,
    )
    assert reweighted.status_code == 200, reweighted.text
    assert scene.results() == answered1
    # A new course policy changes what a preview would say, never the published rows.
    policy = shared_client.put(
        f"{API}/courses/{worlds.north.course.id}/grade-policy",
        json={"pass_grade": "6.0", "pass_level": "3.5"},
        headers=admin,
    )
    assert policy.status_code == 200, policy.text
    assert scene.results() == answered1
    assert results_rows(factory, scene.id) == revision1
    # Nor can a score: the sheets are written only while open.
    sheet_url = assessment_url(scene.id, f"/teams/{scene.team1}/scores")
    rescore = {
        "scores": [{"criterion_id": scene.a, "score": 4}, {"criterion_id": scene.b, "score": 1}],
        "overrides": [
            {
                "student_id": scene.second,
                "criterion_id": scene.b,
                "score": 5,
                "reason": "Trok het project",
            }
        ],
    }
    refused = shared_client.put(sheet_url, json=rescore, headers=scene.teacher)
    assert refused.status_code == 409, refused.text
    assert results_rows(factory, scene.id) == revision1
    # Published is not open: reopening is only possible after withdrawing.
    assert scene.patch({"status": "open"}).status_code == 409
    move(shared_client, scene.id, scene.teacher, "closed", "open")
    # student: (4 + 2)/3 = 2 -> 1 + (6 - 1)(2 - 1)/(3.5 - 1) = 3.0
    saved = shared_client.put(sheet_url, json=rescore, headers=scene.teacher)
    assert saved.status_code == 200, saved.text
    republished = move(shared_client, scene.id, scene.teacher, "published")
    assert republished["revision"] == 2
    rows = results_rows(factory, scene.id)
    assert [row for row in rows if row["revision"] == 1] == revision1
    publications = publication_rows(factory, scene.id)
    first = next(row for row in publications if row["revision"] == 1)
    assert {k: v for k, v in first.items() if not k.startswith("withdraw")} == {
        k: v for k, v in publication1[0].items() if not k.startswith("withdraw")
    }
    assert first["withdrawn_at"] is not None
    second = next(row for row in publications if row["revision"] == 2)
    assert second["policy"] == {**DEFAULT_POLICY, "pass_level": "3.5", "pass_grade": "6"}
    answered2 = scene.results()
    assert answered2["revision"] == 2
    grades = {item["student_id"]: item["grade"] for item in answered2["items"]}
    # second: 14/3 > 3.5: 6 + 4 * (14/3 - 3.5) / 1.5 = 9.111.. -> 9.1; third: r = 2 -> 3.0.
    assert grades == {scene.student: "3.0", scene.second: "9.1", scene.third: "3.0"}
    listed = shared_client.get(
        assessment_url(scene.id, "/publications"), headers=scene.teacher
    ).json()
    assert [(p["revision"], p["withdrawn"], p["results"]) for p in listed["items"]] == [
        (2, False, 3),
        (1, True, 3),
    ]


def test_grades_csv_is_excel_safe_and_follows_the_results(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    scene, factory = (
        Scene(shared_client, shared_worlds, shared_session_factory),
        shared_session_factory,
    )
    with factory.begin() as session:
        session.get_one(User, scene.second).name = '=HYPERLINK("http://x")'
        session.get_one(User, scene.third).student_number = "+31"
    scene.score_team1()
    preview = shared_client.get(assessment_url(scene.id, "/grades.csv"), headers=scene.teacher)
    assert preview.status_code == 200, preview.text
    assert preview.headers["content-type"] == "text/csv; charset=utf-8"
    assert preview.headers["content-disposition"] == (
        f'attachment; filename="grades-assessment-{scene.id}-preview.csv"'
    )
    assert preview.content == (
        b"\xef\xbb\xbfstudent_number,name,team,grade\r\n"
        b'res--000,"\'=HYPERLINK(""http://x"")",1,9.3\r\n'
        b",Student,1,6.3\r\n"
        b"'+31,res- 001,2,\r\n"
    )
    move(shared_client, scene.id, scene.teacher, "published", complete_only=True)
    published = shared_client.get(assessment_url(scene.id, "/grades.csv"), headers=scene.teacher)
    assert published.headers["content-disposition"] == (
        f'attachment; filename="grades-assessment-{scene.id}-revision-1.csv"'
    )
    assert published.content == (
        b"\xef\xbb\xbfstudent_number,name,team,grade\r\n"
        b'res--000,"\'=HYPERLINK(""http://x"")",1,9.3\r\n'
        b",Student,1,6.3\r\n"
    )


def test_cli_results_and_list_answer_the_api_documents(
    shared_client: TestClient,
    shared_worlds: RosterWorld,
    shared_session_factory: Factory,
    shared_db_url: str,
) -> None:
    scene = Scene(shared_client, shared_worlds, shared_session_factory)
    scene.score_team1()
    slug = shared_worlds.north.school.slug
    ran = run_cli(
        "assessments", "results", "--school", slug, "--assessment", str(scene.id),
        "--json", "--database-url", shared_db_url,
    )  # fmt: skip
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.stdout) == scene.results()
    listed = run_cli(
        "assessments", "list", "--school", slug, "--json", "--database-url", shared_db_url
    )
    assert listed.exit_code == 0, listed.output
    got = shared_client.get(assessment_url(scene.id), headers=scene.teacher).json()
    assert json.loads(listed.stdout) == {"school": slug, "assessments": [got]}
    other = shared_worlds.south_assessment.id
    refused = run_cli(
        "assessments", "results", "--school", slug, "--assessment", str(other),
        "--database-url", shared_db_url,
    )  # fmt: skip
    assert refused.exit_code == 1
    assert f"Assessment {other} does not exist in this school." in refused.stderr


def test_a_policy_that_no_longer_fits_the_scale_is_a_409_naming_the_field(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    scene = Scene(shared_client, shared_worlds, shared_session_factory)
    scene.score_team1()
    policy = shared_client.put(
        f"{API}/courses/{shared_worlds.north.course.id}/grade-policy",
        json={"pass_level": "5"},
        headers=bearer(shared_worlds.north, "admin"),
    )
    assert policy.status_code == 200, policy.text
    for response in (
        shared_client.get(assessment_url(scene.id, "/results"), headers=scene.teacher),
        scene.patch({"status": "published", "complete_only": True}),
    ):
        assert response.status_code == 409, response.text
        assert response.json()["errors"] == [
            {"field": "pass_level", "message": "must lie strictly between 1 and 5"}
        ]
    assert publication_rows(shared_session_factory, scene.id) == []
