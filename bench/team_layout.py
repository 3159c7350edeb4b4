"""Benchmark: a whole team layout PUT and the team list, 60 students in 12 teams and 600 in 120.

Run from the repository root (PostgreSQL as for the tests, 127.0.0.1:5432; pass
``--engines sqlite`` without one)::

    .venv/bin/python -m bench layout --repeat 5

For each engine, on a throwaway migrated database holding one school, a teacher, a course and
600 enrolled students, and for each size, each run on a fresh active project of that course,
through HTTP (the app in-process, FastAPI's TestClient):

* ``layout create``: ``PUT /projects/{id}/teams`` creating every team (5 students each);
* ``layout change``: every other team locked first, then a layout moving every student one
  team along and leaving the last team out: unlocked teams edited in place, locked ones
  superseded by version 2, one team archived;
* ``list``: ``GET /projects/{id}/teams?page_size=500``.

It reports the median time of the runs and the SQL statements each step sent (the same at
both sizes: the point of the exercise), prints a Markdown table and writes
``bench/results/team_layout.json``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, update
from tests.databases import throwaway_postgres, throwaway_sqlite

from bench.per_engine import run_per_engine
from teameval import schema
from teameval.api import create_app
from teameval.auth.tokens import TokenClaims, issue_token
from teameval.config import Settings
from teameval.db import make_engine, make_session_factory
from teameval.models import (
    Course,
    CourseEnrollment,
    Project,
    ProjectTeam,
    Role,
    School,
    TeacherCourse,
    User,
)
from teameval.models.base import utcnow

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "team_layout.json"
SECRET = "bench-secret-key-" + "x" * 32
TEAM_SIZE = 5
SIZES = (12, 120)  # teams; students = teams * TEAM_SIZE


@dataclass
class Measure:
    engine: str
    teams: int
    students: int
    step: str
    median_ms: float
    runs_ms: list[float]
    statements: int


@contextmanager
def database(engine_name: str) -> Iterator[str]:
    if engine_name == "sqlite":
        with tempfile.TemporaryDirectory() as directory, throwaway_sqlite(Path(directory)) as url:
            yield url
        return
    with throwaway_postgres() as url:
        yield url


def seed(url: str, students: int) -> tuple[int, int, list[int]]:
    """School, teacher of one course, ``students`` enrolled: (teacher, course, student ids)."""
    schema.upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine).begin() as session:
        school = School(slug="bench", name="Bench")
        session.add(school)
        session.flush()
        teacher = User(school_id=school.id, role=Role.TEACHER.value, email="t@b.nl", name="T")
        course = Course(school_id=school.id, code="OO-4A", name="OO")
        session.add_all([teacher, course])
        session.flush()
        session.add(TeacherCourse(school_id=school.id, course_id=course.id, teacher_id=teacher.id))
        people = [
            User(
                school_id=school.id,
                role=Role.STUDENT.value,
                email=f"s{i:04d}@b.nl",
                name=f"Student {i:04d}",
                student_number=f"{i:06d}",
            )
            for i in range(students)
        ]
        session.add_all(people)
        session.flush()
        session.add_all(
            CourseEnrollment(school_id=school.id, course_id=course.id, student_id=p.id)
            for p in people
        )
        ids = (teacher.id, course.id, [p.id for p in people])
    engine.dispose()
    return ids


def layout(students: list[int], teams: int, shift: int) -> dict[str, Any]:
    rows: dict[int, list[int]] = {n: [] for n in range(1, teams + 1)}
    for index, student in enumerate(students):
        rows[(index // TEAM_SIZE + shift) % teams + 1].append(student)
    if shift:
        rows[1] += rows.pop(teams)
    return {"teams": [{"team_number": n, "member_ids": m} for n, m in rows.items()]}


def run_engine(engine_name: str, repeat: int) -> list[Measure]:
    results: list[Measure] = []
    with database(engine_name) as url:
        teacher_id, course_id, students = seed(url, max(SIZES) * TEAM_SIZE)
        settings = Settings(database_url=url, secret_key=SECRET)  # type: ignore[arg-type]
        with TestClient(create_app(settings)) as client:
            engine = client.app.state.teameval.session_factory.kw["bind"]  # type: ignore[attr-defined]
            factory = make_session_factory(engine)
            with factory() as session:
                school_id = session.get(Course, course_id).school_id  # type: ignore[union-attr]
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
                times: dict[str, list[float]] = {
                    "layout create": [],
                    "layout change": [],
                    "list": [],
                }
                counts: dict[str, int] = {}
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
                        url_teams = f"/api/v1/projects/{project.id}/teams"
                        project_id = project.id

                    def step(
                        name: str,
                        method: str,
                        path: str,
                        body: Any = None,
                        times: dict[str, list[float]] = times,
                        counts: dict[str, int] = counts,
                    ) -> None:
                        counter["n"] = 0
                        started = time.perf_counter()
                        response = client.request(method, path, json=body, headers=headers)
                        elapsed = time.perf_counter() - started
                        assert response.status_code == 200, response.text
                        times[name].append(round(elapsed * 1000, 1))
                        counts[name] = counter["n"]

                    step("layout create", "PUT", url_teams, layout(chosen, teams, 0))
                    with factory.begin() as session:
                        session.execute(
                            update(ProjectTeam)
                            .where(
                                ProjectTeam.project_id == project_id,
                                ProjectTeam.team_number % 2 == 0,
                            )
                            .values(locked_at=utcnow(), lock_reason="teacher")
                        )
                    step("layout change", "PUT", url_teams, layout(chosen, teams, 1))
                    step("list", "GET", url_teams + "?page_size=500")
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


def markdown(results: list[Measure]) -> str:
    lines = [
        "| engine | teams / students | step | median (ms) | runs (ms) | SQL statements |",
        "|---|---:|---|---:|---|---:|",
    ]
    for m in results:
        runs = ", ".join(f"{r:.0f}" for r in m.runs_ms)
        lines.append(
            f"| {m.engine} | {m.teams} / {m.students} | {m.step} | {m.median_ms:.0f} | {runs} | "
            f"{m.statements} |"
        )
    return "\n".join(lines)


def main() -> None:
    run_per_engine(__doc__, run_engine, markdown, RESULTS, default_repeat=5)


if __name__ == "__main__":
    main()
