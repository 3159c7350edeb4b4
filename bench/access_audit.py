"""Benchmark: ``teameval audit access`` against the same comparison written by hand in SQL.

Run from the repository root (PostgreSQL at TEAMEVAL_BENCH_POSTGRES_URL; ``psql`` on the PATH)::

    .venv/bin/python -m bench access --sizes 10000,100000,1000000 --repeat 3

For each size it builds the legacy-shaped database of ``bench.enrollment_migration`` (``m``
active memberships, about 10 % of their pairs without an enrollment and 2 % with an inactive one,
every 1,000th user a teacher) and adds what the access audit also decides: every 50th student
enrolled in an elective of its school that has no team (enrollment only) and every 97th
student archived. Then it times, as whole processes, alternating, median of ``--repeat``:

* ``teameval audit access --json`` (the tool: every course's counts and the samples);
* the same three counts by hand, run by ``psql`` (``BARE``: eligible memberships FULL JOIN the
  enrollments a student's access reads, archived students apart);
* ``teameval audit enrollments --json`` (phase 1's audit of the same data, for scale).

The answers are compared (agree, legacy only, enrollment only) and a mismatch stops the run.
Results are printed as a Markdown table and written to ``bench/results/access_audit.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa

from bench.enrollment_migration import _admin, _url, generate, psql, timed, tool
from teameval.migration.runner.statement_cache import CACHE_ENV

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "access_audit.json"

# One elective per school without any team, every 50th student enrolled in it (enrollment only).
EXTRAS = """
INSERT INTO courses (id, school_id, name, code)
    SELECT {courses} + s, s, 'Elective ' || s, 'EL-' || s FROM generate_series(1, {schools}) s;
INSERT INTO course_enrollments (course_id, student_id, active)
    SELECT {courses} + u.school_id, u.id, TRUE FROM users u
    WHERE u.id % 50 = 0 AND u.role = 'student';
UPDATE users SET archived = TRUE WHERE id % 97 = 0;
"""

# The audit's three counts by hand: phase 1's eligible pairs FULL JOIN the enrollments the
# access module reads for a student, archived students left out.
BARE = """
WITH m AS (SELECT gm.user_id AS s, g.course_id AS c, bool_or(u.role <> 'student') AS ns,
    bool_or(u.school_id <> g.school_id OR c.school_id <> g.school_id
            OR gm.school_id <> g.school_id) AS xs
  FROM group_members gm JOIN groups g ON g.id = gm.group_id JOIN courses c ON c.id = g.course_id
  JOIN users u ON u.id = gm.user_id WHERE gm.active GROUP BY 1, 2),
e AS (SELECT ce.student_id AS s, ce.course_id AS c FROM course_enrollments ce
  JOIN users u ON u.id = ce.student_id JOIN courses c ON c.id = ce.course_id
  WHERE ce.active AND u.role = 'student' AND u.school_id = c.school_id),
d AS (SELECT coalesce(m.s, e.s) AS s, (m.s IS NOT NULL AND NOT m.ns AND NOT m.xs) AS l,
    e.s IS NOT NULL AS n FROM m FULL JOIN e ON m.s = e.s AND m.c = e.c)
SELECT count(*) FILTER (WHERE l AND n), count(*) FILTER (WHERE l AND NOT n),
  count(*) FILTER (WHERE n AND NOT l)
FROM d JOIN users u ON u.id = d.s WHERE NOT u.archived;
"""


@dataclass
class Measure:
    size: int
    task: str
    seconds: float
    peak_mb: float
    ms_per_1000: float
    vs_bare: float


def add_access_cases(name: str, memberships: int) -> None:
    from bench.enrollment_migration import MEMBERSHIPS_PER_COURSE, SCHOOLS

    courses = max(SCHOOLS * 2, memberships // MEMBERSHIPS_PER_COURSE)
    courses -= courses % SCHOOLS
    engine = sa.create_engine(_url(name))
    with engine.begin() as connection:
        script = EXTRAS.format(schools=SCHOOLS, courses=courses)
        for statement in script.split(";"):
            if statement.strip():
                connection.execute(sa.text(statement))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()


def measure(url: str, size: int, repeat: int) -> list[Measure]:
    runs: dict[str, list[tuple[float, float, str]]] = {"access": [], "bare": [], "phase1": []}
    for _ in range(repeat):
        # Alternate so cache warmth and background noise hit all sides alike.
        runs["access"].append(timed(tool("audit", "access", url=url)))
        runs["bare"].append(timed(psql(url, BARE)))
        runs["phase1"].append(timed(tool("audit", "enrollments", url=url)))
    document = json.loads(runs["access"][-1][2])
    bare = [int(v) for v in runs["bare"][-1][2].strip().split("|")]
    tool_answer = [document["agree"], document["legacy_only"], document["enrollment_only"]]
    if tool_answer != bare:
        raise SystemExit(f"answers differ at {size:,}: tool {tool_answer}, bare {bare}")
    print(f"#   {size:,}: agree/legacy only/enrollment only {bare}", flush=True)
    medians = {task: statistics.median(r[0] for r in rs) for task, rs in runs.items()}
    return [
        Measure(
            size=size,
            task=task,
            seconds=round(medians[task], 3),
            peak_mb=round(max(r[1] for r in runs[task]), 1),
            ms_per_1000=round(medians[task] * 1000 / size * 1000, 3),
            vs_bare=round(medians[task] / medians["bare"], 2),
        )
        for task in runs
    ]


def run(sizes: list[int], repeat: int) -> list[Measure]:
    results: list[Measure] = []
    for size in sizes:
        name = f"bench_access_{size}_{uuid.uuid4().hex[:6]}"
        started = time.perf_counter()
        generate(name, size)
        add_access_cases(name, size)
        print(f"# {size:,} memberships generated in {time.perf_counter() - started:.1f}s")
        try:
            results += measure(_url(name), size, repeat)
        finally:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return results


def markdown(results: list[Measure]) -> str:
    lines = [
        "| memberships | task | seconds | ms / 1k memberships | peak MB | vs bare SQL |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.size:,} | {r.task} | {r.seconds:.2f} | {r.ms_per_1000:.2f} "
            f"| {r.peak_mb:.0f} | {r.vs_bare:.2f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--label", default="", help="e.g. the commit measured")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as cache:
        os.environ[CACHE_ENV] = cache
        results = run([int(s) for s in args.sizes.split(",")], args.repeat)
    document = {
        "label": args.label,
        "repeat": args.repeat,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "results": [asdict(r) for r in results],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    print(markdown(results))


if __name__ == "__main__":
    main()
