"""Benchmark: enrollment audit and backfill against the bare SQL, at 10k to 1M memberships.

Run from the repository root (PostgreSQL at TEAMEVAL_BENCH_POSTGRES_URL, default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``)::

    .venv/bin/python -m bench.enrollment_migration --sizes 10000,100000,1000000

For each size it builds a *legacy-shaped* PostgreSQL database (DESIGN.md §4: no migrations of
ours, ``course_enrollments`` without ``school_id`` or timestamps) with set-based SQL, about 10 %
of eligible pairs missing and 2 % inactive, then times as whole processes:

* ``teameval audit enrollments --json`` vs a Python process running the one bare counting query;
* ``teameval backfill enrollments --json`` (dry run) vs the same bare counting query;
* ``teameval backfill enrollments --commit --json`` vs a Python process running the single bare
  ``INSERT … SELECT … ON CONFLICT DO UPDATE``; each of these runs on a fresh copy
  (``CREATE DATABASE … TEMPLATE``) of the generated data.

Both sides are whole ``subprocess`` runs of the same interpreter, so interpreter start-up and
connection set-up are on both sides of the ratio. Peak memory is each child's maximum resident
set size as GNU ``time`` reports it (the client process; the PostgreSQL server's own memory is
not included). ``--mode in-process`` also times the SQL work alone, without start-up.
Results are printed as a Markdown table and written to ``bench/results/enrollment_migration.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa
from tests.databases import admin_execute, postgres_url
from tests.migration.dataset import create_legacy_schema

ADMIN_URL = os.environ.get(
    "TEAMEVAL_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ROOT = Path(__file__).resolve().parent.parent
TEAMEVAL = str(ROOT / ".venv" / "bin" / "teameval")
RESULTS = ROOT / "bench" / "results" / "enrollment_migration.json"
SCHOOLS = 10
COURSES_PER_STUDENT = 4
STUDENTS_PER_COURSE = 100
TEAMS_PER_COURSE = 4

# The legacy shape the tests use (DESIGN.md §4), plus indexes on the join columns as a production
# database of that platform would have them.
LEGACY_INDEXES = (
    "CREATE INDEX ix_group_members_user_id ON group_members (user_id)",
    "CREATE INDEX ix_groups_course_id ON groups (course_id)",
)

# Student s (school (s-1) % 10 + 1) takes COURSES_PER_STUDENT consecutive courses of its school,
# one team each. Every 200th user is a teacher (their memberships are non-student anomalies).
# hash(pair) % 100 < 10 -> no enrollment, < 12 -> inactive enrollment, else active.
GENERATE = """
INSERT INTO schools (id, name) SELECT i, 'School ' || i FROM generate_series(1, {schools}) i;
INSERT INTO courses (id, school_id, name, code)
    SELECT c, (c - 1) % {schools} + 1, 'Course ' || c, 'C-' || c
    FROM generate_series(1, {courses}) c;
INSERT INTO groups (id, school_id, course_id, name, team_number)
    SELECT (c - 1) * {teams} + t, (c - 1) % {schools} + 1, c, 'Team ' || t, t
    FROM generate_series(1, {courses}) c, generate_series(1, {teams}) t;
INSERT INTO users (id, school_id, email, name, role)
    SELECT s, (s - 1) % {schools} + 1, 'user' || s || '@example.org', 'User ' || s,
           CASE WHEN s % 200 = 0 THEN 'teacher' ELSE 'student' END
    FROM generate_series(1, {students}) s;
CREATE TEMP TABLE bench_pairs AS
    SELECT s AS student_id, k,
           ((((s - 1) / {schools}) * {per_student} + k) % {courses_per_school}) * {schools}
             + (s - 1) % {schools} + 1 AS course_id,
           (s * 31 + k * 17) % 100 AS h
    FROM generate_series(1, {students}) s, generate_series(0, {per_student} - 1) k;
INSERT INTO group_members (school_id, group_id, user_id, role_in_team, active)
    SELECT (p.course_id - 1) % {schools} + 1,
           (p.course_id - 1) * {teams} + p.student_id % {teams} + 1, p.student_id, 'member', TRUE
    FROM bench_pairs p;
INSERT INTO course_enrollments (course_id, student_id, active)
    SELECT course_id, student_id, h >= 12 FROM bench_pairs WHERE h >= 10;
"""

# The single statements a DBA would write by hand, independent of our statement builders.
PAIRS_SQL = """
SELECT gm.user_id AS student_id, g.course_id, count(*) AS memberships,
       max(CASE WHEN u.role = 'student' THEN 0 ELSE 1 END) AS non_student,
       max(CASE WHEN u.school_id = g.school_id AND c.school_id = g.school_id
                 AND gm.school_id = g.school_id THEN 0 ELSE 1 END) AS cross_school
FROM group_members gm JOIN groups g ON g.id = gm.group_id JOIN courses c ON c.id = g.course_id
JOIN users u ON u.id = gm.user_id
WHERE gm.active GROUP BY gm.user_id, g.course_id
"""
BARE_COUNT = f"""
SELECT category, count(*), sum(memberships) FROM (
  SELECT p.memberships, CASE WHEN p.non_student = 1 THEN 1 WHEN p.cross_school = 1 THEN 2
         WHEN ce.course_id IS NULL THEN 3 WHEN ce.active THEN 5 ELSE 4 END AS category
  FROM ({PAIRS_SQL}) p LEFT JOIN course_enrollments ce
    ON ce.course_id = p.course_id AND ce.student_id = p.student_id) x
GROUP BY category
"""
BARE_WRITE = f"""
INSERT INTO course_enrollments AS ce (course_id, student_id, active)
SELECT p.course_id, p.student_id, TRUE FROM ({PAIRS_SQL}) p
WHERE p.non_student = 0 AND p.cross_school = 0
  AND NOT EXISTS (SELECT 1 FROM course_enrollments e
                  WHERE e.course_id = p.course_id AND e.student_id = p.student_id AND e.active)
ON CONFLICT (course_id, student_id) DO UPDATE SET active = TRUE WHERE ce.active IS NOT TRUE
"""
BARE_RUNNER = """
import sys, psycopg
with psycopg.connect(sys.argv[1]) as conn:
    cursor = conn.execute(sys.argv[2])
    print(cursor.fetchall() if cursor.description else cursor.rowcount)
"""


@dataclass
class Measure:
    size: int
    task: str
    tool_seconds: float
    bare_seconds: float
    tool_peak_mb: float
    bare_peak_mb: float
    ratio: float


def _admin(statement: str) -> None:
    admin_execute(statement, ADMIN_URL)


def _url(name: str) -> str:
    return postgres_url(name, ADMIN_URL)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def generate(name: str, memberships: int) -> None:
    students = memberships // COURSES_PER_STUDENT
    courses = max(SCHOOLS * COURSES_PER_STUDENT, memberships // STUDENTS_PER_COURSE)
    courses -= courses % SCHOOLS
    _admin(f'CREATE DATABASE "{name}"')
    engine = sa.create_engine(_url(name))
    with engine.begin() as connection:
        create_legacy_schema(connection)
        for statement in LEGACY_INDEXES:
            connection.execute(sa.text(statement))
        script = GENERATE.format(
            schools=SCHOOLS,
            courses=courses,
            courses_per_school=courses // SCHOOLS,
            teams=TEAMS_PER_COURSE,
            students=students,
            per_student=COURSES_PER_STUDENT,
        )
        for statement in script.split(";"):
            if statement.strip():
                connection.execute(sa.text(statement))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()


TIME = shutil.which("time", path="/usr/bin:/bin")


def timed(command: list[str]) -> tuple[float, float, str]:
    """Run ``command`` as a child: wall time, its own peak RSS in MB, and its stdout.

    The peak comes from GNU time's ``%M`` (wait4 of a fork of the small ``time`` process): a
    child forked straight from this benchmark would report this process's size as its own
    high-water mark. Without GNU time it falls back to RUSAGE_CHILDREN (an over-estimate).
    """
    prefix = [TIME, "-f", "PEAK_KB=%M"] if TIME else []
    started = time.perf_counter()
    process = subprocess.Popen([*prefix, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode not in (0, 1, 2):
        raise RuntimeError(f"{command[:4]} failed ({process.returncode}): {stderr.decode()}")
    peak_kb = [line for line in stderr.decode().splitlines() if line.startswith("PEAK_KB=")]
    if peak_kb:
        return seconds, int(peak_kb[-1].removeprefix("PEAK_KB=")) / 1024, stdout.decode()
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, stdout.decode()


def bare(url: str, sql: str) -> list[str]:
    return [sys.executable, "-c", BARE_RUNNER, _libpq(url), sql]


# How the tool is started: the `teameval` console script (what operators type), or the lean
# `python -m teameval.migration` entry that skips the rest of the CLI's imports.
ENTRY = {"teameval": [TEAMEVAL], "module": [sys.executable, "-m", "teameval.migration"]}
TOOL_ENTRY = ENTRY["teameval"]


def tool(*args: str, url: str) -> list[str]:
    return [*TOOL_ENTRY, *args, "--json", "--database-url", url]


def measure(
    size: int, task: str, tool_cmd: list[str], bare_cmd: list[str], repeat: int
) -> tuple[Measure, list[str]]:
    tool_runs, bare_runs, outputs = [], [], []
    for _ in range(repeat):
        # Alternate so cache warmth and background noise hit both sides alike.
        seconds, peak, out = timed(tool_cmd)
        tool_runs.append((seconds, peak))
        outputs.append(out)
        bare_runs.append(timed(bare_cmd)[:2])
    return _summarise(size, task, tool_runs, bare_runs), outputs


def _summarise(
    size: int, task: str, tool_runs: list[tuple[float, float]], bare_runs: list[tuple[float, float]]
) -> Measure:
    tool_s = statistics.median(s for s, _ in tool_runs)
    bare_s = statistics.median(s for s, _ in bare_runs)
    return Measure(
        size=size,
        task=task,
        tool_seconds=round(tool_s, 3),
        bare_seconds=round(bare_s, 3),
        tool_peak_mb=round(max(p for _, p in tool_runs), 1),
        bare_peak_mb=round(max(p for _, p in bare_runs), 1),
        ratio=round(tool_s / bare_s, 2),
    )


def measure_commit(template: str, size: int, repeat: int) -> tuple[Measure, list[str]]:
    """Each run writes, so each gets its own fresh copy of the generated database."""
    tool_runs, bare_runs, outputs = [], [], []
    for _ in range(repeat):
        for side in ("tool", "bare"):
            copy = f"bench_copy_{uuid.uuid4().hex[:10]}"
            _admin(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
            try:
                if side == "tool":
                    seconds, peak, out = timed(
                        tool("backfill", "enrollments", "--commit", url=_url(copy))
                    )
                    tool_runs.append((seconds, peak))
                    outputs.append(out)
                else:
                    seconds, peak, out = timed(bare(_url(copy), BARE_WRITE))
                    bare_runs.append((seconds, peak))
                    outputs.append(f"bare rowcount {out.strip()}")
            finally:
                _admin(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
    return _summarise(size, "backfill --commit", tool_runs, bare_runs), outputs


def startup(repeat: int) -> Measure:
    """Fixed cost of a process on each side with (almost) no data: the audit of an empty
    legacy-shaped database vs the bare counting query on it."""
    name = f"bench_enrollments_empty_{uuid.uuid4().hex[:6]}"
    generate(name, 0)
    try:
        url = _url(name)
        result, _ = measure(
            0,
            "audit, empty database (start-up)",
            tool("audit", "enrollments", url=url),
            bare(url, BARE_COUNT),
            repeat,
        )
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return result


def in_process(url: str, size: int, repeat: int) -> list[Measure]:
    """The SQL work alone, without process start-up: the tool's runners called in this
    process vs the bare statement on one open psycopg connection, alternating."""
    import psycopg

    from teameval.db import make_engine
    from teameval.migration.audit import audit_enrollments
    from teameval.migration.backfill import run_backfill

    engine = make_engine(url)
    results = []
    with psycopg.connect(_libpq(url)) as connection:

        def audit() -> None:
            with engine.connect() as c:
                audit_enrollments(c)

        def dry_run() -> None:
            run_backfill(engine, commit=False)

        for task, work in (("audit (in-process)", audit), ("dry run (in-process)", dry_run)):
            tool_runs, bare_runs = [], []
            for _ in range(repeat):
                started = time.perf_counter()
                work()
                tool_runs.append((time.perf_counter() - started, 0.0))
                started = time.perf_counter()
                connection.execute(BARE_COUNT).fetchall()  # type: ignore[arg-type]
                bare_runs.append((time.perf_counter() - started, 0.0))
            results.append(_summarise(size, task, tool_runs, bare_runs))
            print(f"#   {asdict(results[-1])}", flush=True)
    engine.dispose()
    return results


def run(sizes: list[int], repeat: int, mode: str = "both") -> list[Measure]:
    processes = mode in ("both", "processes")
    results: list[Measure] = []
    if processes:
        results.append(startup(repeat))
        print(f"#   {asdict(results[0])}", flush=True)
    for size in sizes:
        name = f"bench_enrollments_{size}_{uuid.uuid4().hex[:6]}"
        started = time.perf_counter()
        generate(name, size)
        print(
            f"# {size:,} memberships generated in {time.perf_counter() - started:.1f}s", flush=True
        )
        url = _url(name)
        try:
            if mode in ("both", "in-process"):
                results += in_process(url, size, repeat)
            if not processes:
                continue
            for task, tool_cmd in (
                ("audit", tool("audit", "enrollments", url=url)),
                ("backfill dry run", tool("backfill", "enrollments", url=url)),
            ):
                result, outputs = measure(size, task, tool_cmd, bare(url, BARE_COUNT), repeat)
                summary = json.loads(outputs[0])
                keys = (
                    "active_memberships",
                    "eligible_pairs",
                    "missing",
                    "enrolled_inactive",
                    "to_create",
                    "to_reactivate",
                    "coverage_percent",
                )
                print(f"#   {task}: { ({k: summary[k] for k in keys if k in summary}) }")
                results.append(result)
                print(f"#   {asdict(result)}", flush=True)
            result, outputs = measure_commit(name, size, repeat)
            created = json.loads(outputs[0])
            print(
                f"#   commit: created {created['created']} reactivated "
                f"{created['reactivated']}; {outputs[1]}"
            )
            results.append(result)
            print(f"#   {asdict(result)}", flush=True)
        finally:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return results


def markdown(results: list[Measure]) -> str:
    lines = [
        "| memberships | task | tool (s) | bare SQL (s) | ratio | tool peak MB | bare peak MB |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        size = f"{r.size:,}" if r.size else "-"
        lines.append(
            f"| {size} | {r.task} | {r.tool_seconds:.2f} | {r.bare_seconds:.2f} | "
            f"{r.ratio:.2f}x | {r.tool_peak_mb:.0f} | {r.bare_peak_mb:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--entry", choices=sorted(ENTRY), default="teameval")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--mode",
        choices=["both", "processes", "in-process"],
        default="both",
        help="whole processes (the goal's measure), in-process SQL work only, or both",
    )
    args = parser.parse_args()
    global TOOL_ENTRY
    TOOL_ENTRY = ENTRY[args.entry]
    sizes = [int(s) for s in args.sizes.split(",")]
    results = run(sizes, args.repeat, args.mode)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "entry": args.entry,
        "mode": args.mode,
        "repeat": args.repeat,
        "results": [asdict(r) for r in results],
    }
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    print(markdown(results))


if __name__ == "__main__":
    main()
