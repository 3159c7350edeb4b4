"""Benchmark: the web UI's heaviest pages: the students list of a 5,000-student school and the
scoring page of one team of a 120-team assessment (issue 11: each under 100 ms).

Run from the repository root (PostgreSQL as for the tests, 127.0.0.1:5432; pass
``--engines sqlite`` without one)::

    .venv/bin/python -m bench pages --repeat 30

For each engine, on a throwaway migrated database holding one school with an admin, a teacher,
a course with 5,000 enrolled students, a rubric of four weighted criteria (levels 1 to 5 with a
descriptor each) and an open assessment of a project of 120 teams of five, every team scored:
through HTTP (the app in-process, FastAPI's TestClient, the session cookie of a signed-in user):

* ``students list``: ``GET /students`` as the admin (first page, default sort);
* ``students search``: ``GET /students?q=Student+42`` as the admin;
* ``scoring``: ``GET /assessments/{id}/teams/{team_id}/score`` as the teacher, team 60 of 120.

Each page is requested ``--repeat`` times after two warm-up requests; the median and the 95th
percentile are reported with the SQL statements the page sent (the page tests assert those are
the same for small and large data). Writes ``bench/results/web_pages.json``.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, insert

from bench.per_engine import run_per_engine
from bench.team_layout import ROOT, SECRET, TEAM_SIZE, database, seed
from teameval.api import create_app
from teameval.auth.tokens import TokenClaims, issue_token
from teameval.config import Settings
from teameval.db import make_session_factory
from teameval.models import (
    Course,
    Project,
    ProjectAssessmentScore,
    Role,
    Rubric,
    RubricCriterion,
    User,
)
from teameval.web.session import COOKIE_NAME, Visitor, _serializer

RESULTS = ROOT / "bench" / "results" / "web_pages.json"
STUDENTS = 5000
TEAMS = 120
CRITERIA = (("Samenwerking", "1"), ("Proces", "1"), ("Product", "2"), ("Presentatie", "1,5"))


@dataclass
class PageMeasure:
    engine: str
    page: str
    path: str
    median_ms: float
    p95_ms: float
    statements: int
    runs: int


def cookie_for(user_id: int, school_id: int) -> str:
    visitor = Visitor.new()
    visitor.sign_in(user_id, school_id)
    return str(_serializer(SECRET).dumps(visitor.payload()))


def build(
    client: TestClient, teacher_id: int, course_id: int, students: list[int]
) -> dict[str, Any]:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    factory = make_session_factory(engine)
    with factory.begin() as session:
        school_id = session.get_one(Course, course_id).school_id
        admin = User(school_id=school_id, role=Role.ADMIN.value, email="a@b.nl", name="Admin")
        rubric = Rubric(
            school_id=school_id,
            title="Eindproject",
            scope="project",
            scale_min=1,
            scale_max=5,
            created_by_id=teacher_id,
        )
        session.add_all([admin, rubric])
        session.flush()
        criteria = []
        for position, (name, weight) in enumerate(CRITERIA):
            criterion = RubricCriterion(
                school_id=school_id,
                rubric_id=rubric.id,
                name=name,
                weight=Decimal(weight.replace(",", ".")),
                position=position,
                descriptors=[
                    f"{name}: niveau {level}, beschreven in een volle zin." for level in range(1, 6)
                ],
            )
            session.add(criterion)
            session.flush()
            criteria.append(criterion.id)
        project = Project(school_id=school_id, course_id=course_id, title="Bench", status="active")
        session.add(project)
        session.flush()
        ids = {"school": school_id, "admin": admin.id, "rubric": rubric.id, "project": project.id}
    # The teams and the assessment are made through the API, as a teacher would.
    token = issue_token(TokenClaims(teacher_id, ids["school"]), SECRET, timedelta(hours=1))
    headers = {"Authorization": f"Bearer {token}"}
    chosen = students[: TEAMS * TEAM_SIZE]
    layout = {
        "teams": [
            {"team_number": n + 1, "member_ids": chosen[n * TEAM_SIZE : (n + 1) * TEAM_SIZE]}
            for n in range(TEAMS)
        ]
    }
    made = client.put(f"/api/v1/projects/{ids['project']}/teams", json=layout, headers=headers)
    assert made.status_code == 200, made.text
    team_ids = [team["id"] for team in made.json()["teams"]]
    created = client.post(
        f"/api/v1/projects/{ids['project']}/assessments",
        json={"title": "Eind", "rubric_id": ids["rubric"]},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    assessment_id = created.json()["id"]
    opened = client.patch(
        f"/api/v1/assessments/{assessment_id}", json={"status": "open"}, headers=headers
    )
    assert opened.status_code == 200, opened.text
    rows = [
        {
            "school_id": ids["school"],
            "assessment_id": assessment_id,
            "rubric_id": ids["rubric"],
            "criterion_id": criterion,
            "project_team_id": team_id,
            "student_id": None,
            "score": 1 + (index + offset) % 5,
            "reason": None,
        }
        for index, team_id in enumerate(team_ids)
        for offset, criterion in enumerate(criteria)
    ]
    with factory.begin() as session:
        session.execute(insert(ProjectAssessmentScore), rows)
    return {**ids, "assessment": assessment_id, "team": team_ids[TEAMS // 2 - 1]}


def measure(
    engine_name: str, client: TestClient, name: str, path: str, cookie: str, repeat: int
) -> PageMeasure:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    counter = {"n": 0}

    def count(*_: Any) -> None:
        counter["n"] += 1

    client.cookies.set(COOKIE_NAME, cookie)
    for _ in range(2):
        warm = client.get(path)
        assert warm.status_code == 200, (path, warm.status_code, warm.text[-500:])
    times: list[float] = []
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(repeat):
            counter["n"] = 0
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return PageMeasure(
        engine_name,
        name,
        path,
        round(statistics.median(times), 1),
        round(p95, 1),
        counter["n"],
        repeat,
    )


def run_engine(engine_name: str, repeat: int) -> list[PageMeasure]:
    with database(engine_name) as url:
        teacher_id, course_id, students = seed(url, STUDENTS)
        settings = Settings(database_url=url, secret_key=SECRET)  # type: ignore[arg-type]
        with TestClient(create_app(settings)) as client:
            ids = build(client, teacher_id, course_id, students)
            client.headers.pop("Authorization", None)
            admin = cookie_for(ids["admin"], ids["school"])
            teacher = cookie_for(teacher_id, ids["school"])
            score = f"/assessments/{ids['assessment']}/teams/{ids['team']}/score"
            return [
                measure(engine_name, client, "students list", "/students", admin, repeat),
                measure(
                    engine_name, client, "students search", "/students?q=Student+42", admin, repeat
                ),
                measure(engine_name, client, "scoring", score, teacher, repeat),
            ]


def markdown(results: list[PageMeasure]) -> str:
    lines = [
        "| engine | page | median (ms) | p95 (ms) | SQL statements | runs |",
        "|---|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {m.engine} | {m.page} (`{m.path}`) | {m.median_ms:.1f} | {m.p95_ms:.1f} | "
        f"{m.statements} | {m.runs} |"
        for m in results
    ]
    return "\n".join(lines)


def main() -> None:
    run_per_engine(__doc__, run_engine, markdown, RESULTS, default_repeat=30)


if __name__ == "__main__":
    main()
