"""Benchmark: the CSV student import at 10,000 rows on SQLite and PostgreSQL.

Run from the repository root (PostgreSQL at TEAMEVAL_BENCH_POSTGRES_URL, default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``; pass ``--engines sqlite`` without one)::

    .venv/bin/python -m bench.import_students --rows 10000 --repeat 3

It writes a 10,000-row file like a school's (semicolon-separated, Windows-1252, CRLF; name parts,
student numbers, classes, one to three of 20 course codes and a team number per row), then for
each engine and each run, on a fresh database (a migrated template copied per run; on
PostgreSQL a throwaway database it creates and drops itself) holding one school and its 20
courses, times the import service in-process (parsing included):

* ``preview``: plan every row, write nothing;
* ``commit``: the first import (creates every student, enrollment, team and audit row);
* ``re-import``: the same file again (every row ``unchanged``, nothing written).

It reports the median of the runs and the number of SQL statements each step sent (counted with
a ``before_cursor_execute`` listener), prints a Markdown table and writes
``bench/results/import_students.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from tests.databases import admin_execute, postgres_url

from teameval import schema
from teameval.audit_trail import Actor
from teameval.config import Settings
from teameval.db import make_engine, make_session_factory
from teameval.models import Course, School
from teameval.roster.csv.importer import import_students

ADMIN_URL = os.environ.get(
    "TEAMEVAL_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "import_students.json"
COURSES = [f"VAK-{n:02d}" for n in range(1, 21)]
FIRST = ["Jan", "Zoë", "Sanne", "Daan", "Emma", "Liam", "Noor", "Sem", "Julia", "Lucas"]
PREFIX = ["", "", "", "van", "de", "van der", "ter"]
LAST = ["Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Groot"]


@dataclass
class Measure:
    engine: str
    rows: int
    step: str
    median_seconds: float
    runs: list[float]
    statements: int


def generate(rows: int, seed: int = 7) -> bytes:
    random_ = random.Random(seed)
    lines = ["email;voornaam;tussenvoegsel;achternaam;leerlingnummer;klas;vakken;team;status"]
    for i in range(rows):
        courses = ",".join(random_.sample(COURSES, random_.randint(1, 3)))
        lines.append(
            f"leerling{i}@school.nl;{random_.choice(FIRST)};{random_.choice(PREFIX)};"
            f"{random_.choice(LAST)};{100000 + i};{random_.randint(1, 6)}{random_.choice('ABC')};"
            f"{courses};{random_.randint(1, 8)};active"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def _admin(statement: str) -> None:
    admin_execute(statement, ADMIN_URL)


def _pg_url(name: str) -> str:
    return postgres_url(name, ADMIN_URL)


def _seed(url: str) -> None:
    schema.upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine).begin() as session:
        school = School(slug="bench", name="Bench")
        session.add(school)
        session.flush()
        session.add_all(Course(school_id=school.id, code=code, name=code) for code in COURSES)
    engine.dispose()


@contextmanager
def databases(engine_name: str, repeat: int) -> Iterator[list[str]]:
    """``repeat`` identical fresh databases, each one school with 20 courses; dropped after."""
    if engine_name == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix="teameval-bench-"))
        template = directory / "template.db"
        _seed(f"sqlite:///{template}")
        copies = []
        for run in range(repeat):
            shutil.copyfile(template, directory / f"run{run}.db")
            copies.append(f"sqlite:///{directory / f'run{run}.db'}")
        try:
            yield copies
        finally:
            shutil.rmtree(directory)
        return
    prefix = f"teameval_bench_{uuid.uuid4().hex[:8]}"
    names = [f"{prefix}_template", *(f"{prefix}_run{run}" for run in range(repeat))]
    _admin(f'CREATE DATABASE "{names[0]}"')
    try:
        _seed(_pg_url(names[0]))
        for name in names[1:]:
            _admin(f'CREATE DATABASE "{name}" TEMPLATE "{names[0]}"')
        yield [_pg_url(name) for name in names[1:]]
    finally:
        for name in names:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _timed_import(url: str, data: bytes, commit: bool) -> tuple[float, int, dict[str, Any]]:
    engine = make_engine(url)
    statements = 0

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    factory = make_session_factory(engine)
    with factory() as session:  # connect outside the timing: a pool is warm in a server
        session.execute(sa.text("SELECT 1"))
        school_id = session.scalar(sa.select(School.id).where(School.slug == "bench"))
        assert school_id is not None
    statements = 0
    started = time.perf_counter()
    with factory.begin() as session:
        report = import_students(
            session, Actor.command_line(school_id, "bench"), data, Settings(), commit=commit
        ).to_dict()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, statements, report


def run(engines: list[str], rows: int, repeat: int) -> list[Measure]:
    data = generate(rows)
    commits = {"preview": False, "commit": True, "re-import": True}
    expected = {"preview": "created", "commit": "created", "re-import": "unchanged"}
    results = []
    for engine_name in engines:
        times: dict[str, list[float]] = {step: [] for step in commits}
        counts: dict[str, int] = {}
        with databases(engine_name, repeat) as urls:
            for url in urls:
                for step, commit in commits.items():
                    elapsed, statements, report = _timed_import(url, data, commit)
                    assert report[expected[step]] == rows, (step, report["errors"][:3])
                    times[step].append(round(elapsed, 3))
                    counts[step] = statements
        for step, runs in times.items():
            results.append(
                Measure(engine_name, rows, step, statistics.median(runs), runs, counts[step])
            )
    return results


def markdown(results: list[Measure]) -> str:
    lines = [
        "| engine | rows | step | median (s) | runs (s) | SQL statements |",
        "|---|---:|---|---:|---|---:|",
    ]
    for m in results:
        runs = ", ".join(f"{r:.2f}" for r in m.runs)
        lines.append(
            f"| {m.engine} | {m.rows:,} | {m.step} | {m.median_seconds:.2f} | {runs} | "
            f"{m.statements} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    results = run(args.engines.split(","), args.rows, args.repeat)
    table = markdown(results)
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps([asdict(m) for m in results], indent=2) + "\n")


if __name__ == "__main__":
    main()
