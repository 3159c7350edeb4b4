"""Benchmark: an assessment's results at 60 students in 12 teams and 600 in 120, and a sheet save.

Run from the repository root (PostgreSQL as for the tests, 127.0.0.1:5432; pass
``--engines sqlite`` without one)::

    .venv/bin/python -m bench results --repeat 5

For each engine, on a throwaway migrated database holding one school, a teacher, a course,
600 enrolled students and a project rubric of two weighted criteria, and for each size, each
run on a fresh project whose layout is PUT through the API and an assessment opened through it,
every team scored (two team scores and one override each, straight into the table), through
HTTP (the app in-process, FastAPI's TestClient):

* ``sheet save``: ``PUT /assessments/{id}/teams/{team_id}/scores`` of one team's whole sheet
  (two scores, one override, a comment) with ``If-Match``;
* ``preview``: ``GET /assessments/{id}/results`` while open (computed from the sheets);
* ``teams``: ``GET /assessments/{id}/teams?page_size=500`` (members and completeness);
* ``publish``: ``PATCH /assessments/{id}`` ``{"status": "published"}``;
* ``stored``: ``GET /assessments/{id}/results`` while published (the stored rows);
* ``grades.csv``: ``GET /assessments/{id}/grades.csv``.

It reports the median time of the runs and the SQL statements each step sent (the same at
both sizes), prints a Markdown table and writes ``bench/results/assessment_results.json``.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, insert

from bench.per_engine import run_per_engine
from bench.team_layout import ROOT, SECRET, TEAM_SIZE, Measure, database, markdown, seed
from teameval.api import create_app
from teameval.auth.tokens import TokenClaims, issue_token
from teameval.config import Settings
from teameval.db import make_session_factory
from teameval.models import (
    Course,
    Project,
    ProjectAssessmentScore,
    Rubric,
    RubricCriterion,
)

RESULTS = ROOT / "bench" / "results" / "assessment_results.json"
SIZES = (12, 120)
STEPS = ("sheet save", "preview", "teams", "publish", "stored", "grades.csv")


def run_engine(engine_name: str, repeat: int) -> list[Measure]:
    results: list[Measure] = []
    with database(engine_name) as url:
        teacher_id, course_id, students = seed(url, max(SIZES) * TEAM_SIZE)
        settings = Settings(database_url=url, secret_key=SECRET)  # type: ignore[arg-type]
        with TestClient(create_app(settings)) as client:
            engine = client.app.state.teameval.session_factory.kw["bind"]  # type: ignore[attr-defined]
            factory = make_session_factory(engine)
            with factory.begin() as session:
                school_id = session.get_one(Course, course_id).school_id
                rubric = Rubric(
                    school_id=school_id,
                    title="Eindproject",
                    scope="project",
                    scale_min=1,
                    scale_max=5,
                    created_by_id=teacher_id,
                )
                session.add(rubric)
                session.flush()
                criteria = [
                    RubricCriterion(
                        school_id=school_id,
                        rubric_id=rubric.id,
                        name=name,
                        weight=Decimal(weight),
                        position=position,
                    )
                    for position, (name, weight) in enumerate((("Proces", "1"), ("Product", "2")))
                ]
                session.add_all(criteria)
                session.flush()
                rubric_id, first, second = rubric.id, criteria[0].id, criteria[1].id
            token = issue_token(
                TokenClaims(user_id=teacher_id, school_id=school_id), SECRET, timedelta(hours=1)
            )
            headers = {"Authorization": f"Bearer {token}"}
            counter = {"n": 0}

            def count(*_: Any) -> None:
                counter["n"] += 1

            event.listen(engine, "before_cursor_execute", count)
            for teams in SIZES:
                chosen = students[: teams * TEAM_SIZE]
                times: dict[str, list[float]] = {step: [] for step in STEPS}
                counts: dict[str, int] = {}

                def step(
                    name: str,
                    method: str,
                    path: str,
                    body: Any = None,
                    extra: dict[str, str] | None = None,
                    times: dict[str, list[float]] = times,
                    counts: dict[str, int] = counts,
                ) -> Any:
                    counter["n"] = 0
                    started = time.perf_counter()
                    response = client.request(
                        method, path, json=body, headers={**headers, **(extra or {})}
                    )
                    elapsed = time.perf_counter() - started
                    assert response.status_code == 200, response.text
                    times[name].append(round(elapsed * 1000, 1))
                    counts[name] = counter["n"]
                    return response

                for run in range(repeat):
                    with factory.begin() as session:
                        project = Project(
                            school_id=school_id,
                            course_id=course_id,
                            title=f"{teams}-{run}",
                            status="active",
                        )
                        session.add(project)
                        session.flush()
                        project_id = project.id
                    layout = {
                        "teams": [
                            {
                                "team_number": n + 1,
                                "member_ids": chosen[n * TEAM_SIZE : (n + 1) * TEAM_SIZE],
                            }
                            for n in range(teams)
                        ]
                    }
                    made = client.put(
                        f"/api/v1/projects/{project_id}/teams", json=layout, headers=headers
                    )
                    team_ids = [team["id"] for team in made.json()["teams"]]
                    created = client.post(
                        f"/api/v1/projects/{project_id}/assessments",
                        json={"title": "Eind", "rubric_id": rubric_id},
                        headers=headers,
                    )
                    assessment = f"/api/v1/assessments/{created.json()['id']}"
                    client.patch(assessment, json={"status": "open"}, headers=headers)
                    common = {"school_id": school_id, "assessment_id": created.json()["id"]}
                    rows = [
                        {**common, "rubric_id": rubric_id, "criterion_id": criterion,
                         "project_team_id": team_id, "student_id": None,
                         "score": 1 + (index + offset) % 5, "reason": None}
                        for index, team_id in enumerate(team_ids[1:], start=1)
                        for offset, criterion in enumerate((first, second))
                    ] + [
                        {**common, "rubric_id": rubric_id, "criterion_id": second,
                         "project_team_id": team_id, "student_id": chosen[index * TEAM_SIZE],
                         "score": 3, "reason": "Eigen bijdrage"}
                        for index, team_id in enumerate(team_ids[1:], start=1)
                    ]  # fmt: skip
                    with factory.begin() as session:
                        session.execute(insert(ProjectAssessmentScore), rows)
                    sheet = f"{assessment}/teams/{team_ids[0]}/scores"
                    etag = client.get(sheet, headers=headers).headers["etag"]
                    step(
                        "sheet save",
                        "PUT",
                        sheet,
                        {
                            "scores": [
                                {"criterion_id": first, "score": 4},
                                {"criterion_id": second, "score": 3, "comment": "Goed"},
                            ],
                            "overrides": [
                                {
                                    "student_id": chosen[0],
                                    "criterion_id": second,
                                    "score": 5,
                                    "reason": "Trok het project",
                                }
                            ],
                            "comment": "Sterk eindproduct",
                        },
                        {"If-Match": etag},
                    )
                    step("preview", "GET", f"{assessment}/results")
                    step("teams", "GET", f"{assessment}/teams?page_size=500")
                    step("publish", "PATCH", assessment, {"status": "published"})
                    step("stored", "GET", f"{assessment}/results")
                    step("grades.csv", "GET", f"{assessment}/grades.csv")
                for name, runs in times.items():
                    results.append(
                        Measure(
                            engine_name,
                            teams,
                            len(chosen),
                            name,
                            statistics.median(runs),
                            runs,
                            counts[name],
                        )
                    )
    return results


def main() -> None:
    run_per_engine(__doc__, run_engine, markdown, RESULTS, default_repeat=5)


if __name__ == "__main__":
    main()
