"""An assessment's results cost the same number of SQL statements at 120 teams / 600 students as
at 12 / 60, on both engines: the preview, the linked teams, publishing, the stored results and
the grades file (the issue's performance requirement)."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import ProjectAssessment, ProjectAssessmentScore
from tests.assessments.lifecycle.helpers import assessment_url, criteria_of
from tests.factories import make_project
from tests.projects.project_helpers import app_engine
from tests.projects.teams.team_helpers import enrolled_students, teams_url
from tests.roster.conftest import API, RosterWorld, bearer
from tests.statements import recorded_statements

Factory = sessionmaker[Session]
TEAM_SIZE = 5
STEPS = ("preview", "teams", "publish", "stored", "grades.csv")


def _scored_assessment(
    client: TestClient, worlds: RosterWorld, factory: Factory, teams: int
) -> int:
    """An open assessment of a new project with ``teams`` teams of five, every team scored and
    one override per team."""
    teacher = bearer(worlds.north, "teacher")
    with factory.begin() as session:
        project_id = make_project(session, session.merge(worlds.north.course), f"P{teams}").id
    students = enrolled_students(factory, worlds.north, teams * TEAM_SIZE, f"st{teams}-")
    layout = {
        "teams": [
            {"team_number": n + 1, "member_ids": students[n * TEAM_SIZE : (n + 1) * TEAM_SIZE]}
            for n in range(teams)
        ]
    }
    response = client.put(teams_url(project_id), json=layout, headers=teacher)
    assert response.status_code == 200, response.text
    team_ids = [team["id"] for team in response.json()["teams"]]
    created = client.post(
        f"{API}/projects/{project_id}/assessments",
        json={"title": "Groot", "rubric_id": worlds.north_rubric.id},
        headers=teacher,
    )
    assert created.status_code == 201, created.text
    assessment_id = int(created.json()["id"])
    opened = client.patch(assessment_url(assessment_id), json={"status": "open"}, headers=teacher)
    assert opened.status_code == 200, opened.text
    first, second = criteria_of(factory, worlds.north_rubric.id)
    common = {"school_id": worlds.north.school.id, "assessment_id": assessment_id}
    rows = [
        {**common, "rubric_id": worlds.north_rubric.id, "criterion_id": criterion,
         "project_team_id": team_id, "student_id": None, "score": score, "reason": None}
        for index, team_id in enumerate(team_ids)
        for criterion, score in ((first, 1 + index % 5), (second, 5 - index % 5))
    ] + [
        {**common, "rubric_id": worlds.north_rubric.id, "criterion_id": second,
         "project_team_id": team_id, "student_id": students[index * TEAM_SIZE], "score": 3,
         "reason": "Eigen bijdrage"}
        for index, team_id in enumerate(team_ids)
    ]  # fmt: skip
    with factory.begin() as session:
        session.execute(sa.insert(ProjectAssessmentScore), rows)
    return assessment_id


def _counts(
    client: TestClient, worlds: RosterWorld, factory: Factory, teams: int
) -> dict[str, int]:
    assessment_id = _scored_assessment(client, worlds, factory, teams)
    teacher = bearer(worlds.north, "teacher")
    engine = app_engine(client)
    counts: dict[str, int] = {}
    requests = {
        "preview": ("GET", "/results", None),
        "teams": ("GET", "/teams?page_size=500", None),
        "publish": ("PATCH", "", {"status": "published"}),
        "stored": ("GET", "/results", None),
        "grades.csv": ("GET", "/grades.csv", None),
    }
    for step in STEPS:
        method, rest, body = requests[step]
        with recorded_statements(engine) as statements:
            response = client.request(
                method, assessment_url(assessment_id, rest), json=body, headers=teacher
            )
        assert response.status_code == 200, response.text
        counts[step] = len(statements)
        if step in ("preview", "stored"):
            items = response.json()["items"]
            assert len(items) == teams * TEAM_SIZE
            assert all(item["complete"] for item in items)
    with factory() as session:
        assert session.get_one(ProjectAssessment, assessment_id).revision == 1
    return counts


def test_results_statements_do_not_grow_with_the_assessment(
    shared_client: TestClient, shared_worlds: RosterWorld, shared_session_factory: Factory
) -> None:
    small = _counts(shared_client, shared_worlds, shared_session_factory, 12)
    large = _counts(shared_client, shared_worlds, shared_session_factory, 120)
    assert large == small
    # The caller, the assessment, then the computation's seven statements (and the page's two).
    assert small["preview"] <= 9
    assert small["teams"] <= 11
    assert small["publish"] <= 16
    assert small["stored"] <= 4
