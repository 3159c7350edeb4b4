"""Benchmark: the phase 2 assessment backfill against one bare UPDATE, 10k to 1M score rows.

Run from the repository root (PostgreSQL at TEAMEVAL_BENCH_POSTGRES_URL, default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``; ``psql`` on the PATH)::

    .venv/bin/python -m bench assessments --sizes 10000,100000,1000000 --repeat 3

For each size N it builds, once, a legacy-shaped PostgreSQL database (``create_legacy_schema``
with the phase 2 tables, issue 12) with N score rows in N / 100 assessments (10k at 1M): a
cohort group and a project per course, 5 assessments per course (half with ``project_id`` NULL,
resolved through the course), 5 teams of 4 students per course told apart by
``users.team_number``, a rubric of 5 criteria per school, and per team key 5 team scores plus
15 overrides (3 students x 5 criteria). 90 % of the (project, team) pairs have a project team
(1 in 10 of those re-formed: versions 1 and 2), 10 % have none (to create, from the group's
students); 0.5 % of keys have no team number and 0.5 % belong to assessments whose course has
no project, so 1 % of keys stay unmapped. Then:

* ``teameval expand assessments --commit`` once (timed on its own);
* ``teameval backfill assessments --commit --json``, the first full run, on ``--repeat`` fresh
  copies (``CREATE DATABASE … TEMPLATE``): wall time, peak RSS, the JSON's counts (checked
  against the generator's own arithmetic) and ``step_seconds``;
* on the last copy, alternating, ``--repeat`` rounds of: reset ``project_team_id`` to NULL and
  ``VACUUM ANALYZE`` (not timed), then either the bare UPDATE below run by ``psql`` (its
  ``\\timing``) or the backfill again (links and teams exist, so it only keys the score rows:
  its ``step_seconds["scores"]``). Both leave the same ``project_team_id`` on every row
  (compared by a fingerprint of the whole column) and the same number of rows updated.

Results: a Markdown table and ``bench/results/assessment_migration.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from tests.databases import admin_execute

from bench.enrollment_migration import (
    ADMIN_URL,
    PSQL,
    ROOT,
    TEAMEVAL,
    _libpq,
    _url,
    timed,
)
from teameval.migration.legacy_shape import (
    ASSESSMENT_TABLES,
    LEGACY_TABLES,
    create_legacy_schema,
)
from teameval.migration.runner.statement_cache import CACHE_ENV

RESULTS = ROOT / "bench" / "results" / "assessment_migration.json"
SCHOOLS, TEAMS, STUDENTS_PER_TEAM, CRITERIA, OVERRIDES = 10, 5, 4, 5, 3
ROWS_PER_ASSESSMENT = TEAMS * CRITERIA * (1 + OVERRIDES)  # 100
ASSESSMENTS_PER_COURSE = 5
STUDENTS_PER_COURSE = TEAMS * STUDENTS_PER_TEAM

# Pair (project p, team t) has no project team when (3p + 7t) % 10 = 0 (one t of 5 for half of
# the projects: 10 % of pairs), and a re-formed version 2 when it is 5. Key i = 5(a - 1) + t has
# no team number when i % 200 = 7; assessment a's course has no project when a % 200 = 100.
MISSING, REFORMED = "(p * 3 + t * 7) % 10 = 0", "(p * 3 + t * 7) % 10 = 5"
GENERATE = """
SET session_replication_role = replica;
INSERT INTO schools (id, name) SELECT i, 'School ' || i FROM generate_series(1, {schools}) i;
INSERT INTO courses (id, school_id, name, code)
    SELECT c, (c - 1) % {schools} + 1, 'Course ' || c, 'C-' || c
    FROM generate_series(1, {courses} + {schools}) c;
INSERT INTO groups (id, school_id, course_id, name, team_number)
    SELECT c, (c - 1) % {schools} + 1, c, 'Cohort ' || c, NULL
    FROM generate_series(1, {courses} + {schools}) c;
INSERT INTO users (id, school_id, email, name, role, team_number)
    SELECT (c - 1) * {per_course} + s, (c - 1) % {schools} + 1, 'student' || c || '.' || s
           || '@example.org', 'Student ' || c || '.' || s, 'student', (s - 1) / {per_team} + 1
    FROM generate_series(1, {courses} + {schools}) c, generate_series(1, {per_course}) s;
INSERT INTO users (id, school_id, email, name, role)
    SELECT {teachers} + i, i, 'teacher' || i || '@example.org', 'Teacher ' || i, 'teacher'
    FROM generate_series(1, {schools}) i;
INSERT INTO group_members (school_id, group_id, user_id, role_in_team, active)
    SELECT school_id, (id - 1) / {per_course} + 1, id, 'member', TRUE
    FROM users WHERE role = 'student' ORDER BY id;
INSERT INTO projects (id, school_id, course_id, title)
    SELECT p, (p - 1) % {schools} + 1, p, 'Project ' || p FROM generate_series(1, {courses}) p;
INSERT INTO project_teams (id, school_id, project_id, team_id, display_name_at_time,
                           team_number, version)
    SELECT v * {teams} * {courses} + (p - 1) * {teams} + t, (p - 1) % {schools} + 1, p, p,
           'Team ' || t, t, v + 1
    FROM generate_series(1, {courses}) p, generate_series(1, {teams}) t,
         generate_series(0, 1) v
    WHERE NOT {missing} AND (v = 0 OR {reformed}) ORDER BY 1;
INSERT INTO project_team_members (school_id, project_team_id, user_id, role)
    SELECT pt.school_id, pt.id,
           (pt.project_id - 1) * {per_course} + (pt.team_number - 1) * {per_team} + m, 'member'
    FROM project_teams pt, generate_series(1, {per_team}) m ORDER BY pt.id, m;
INSERT INTO rubrics (id, school_id, title, scale_min, scale_max)
    SELECT i, i, 'Rubric ' || i, 1, 5 FROM generate_series(1, {schools}) i;
INSERT INTO rubric_criteria (id, school_id, rubric_id, name, weight)
    SELECT (i - 1) * {criteria} + r, i, i, 'Criterion ' || r, 1 + r % 2
    FROM generate_series(1, {schools}) i, generate_series(1, {criteria}) r;
INSERT INTO project_assessments (id, school_id, project_id, group_id, rubric_id, teacher_id,
                                 title, status)
    SELECT a, (c - 1) % {schools} + 1,
           CASE WHEN a % 200 = 100 OR a % 2 = 1 THEN NULL ELSE c END,
           CASE WHEN a % 200 = 100 THEN {courses} + (c - 1) % {schools} + 1 ELSE c END,
           (c - 1) % {schools} + 1, {teachers} + (c - 1) % {schools} + 1, 'Assessment ' || a,
           'published'
    FROM (SELECT a, (a - 1) % {courses} + 1 AS c FROM generate_series(1, {assessments}) a) x;
INSERT INTO project_assessment_scores (school_id, assessment_id, criterion_id, team_number,
                                       student_id, score)
    SELECT pa.school_id, pa.id, (pa.school_id - 1) * {criteria} + r,
           CASE WHEN ((pa.id - 1) * {teams} + t) % 200 = 7 THEN NULL ELSE t END,
           CASE WHEN m = 0 THEN NULL
                ELSE (pa.group_id - 1) * {per_course} + (t - 1) * {per_team} + m END,
           1 + (pa.id + t + r + m) % 5
    FROM project_assessments pa, generate_series(1, {teams}) t,
         generate_series(1, {criteria}) r, generate_series(0, {overrides}) m
    ORDER BY pa.id, t, m, r;
SET session_replication_role = DEFAULT
"""

BARE_UPDATE = (
    "UPDATE project_assessment_scores s SET project_team_id = pat.project_team_id "
    "FROM project_assessment_teams pat, project_assessments a, groups g "
    "WHERE a.id = s.assessment_id AND g.id = a.group_id "
    "AND pat.project_assessment_id = s.assessment_id "
    "AND pat.team_number = COALESCE(s.team_number, g.team_number) "
    "AND s.project_team_id IS NULL"
)
RESET = (
    "UPDATE project_assessment_scores SET project_team_id = NULL WHERE project_team_id IS NOT NULL"
)
FINGERPRINT = (
    "SELECT count(project_team_id), md5(string_agg(id || ':' || COALESCE(project_team_id, 0), ','"
    " ORDER BY id)) FROM project_assessment_scores"
)


def courses_for(assessments: int) -> int:
    courses = max(SCHOOLS, assessments // ASSESSMENTS_PER_COURSE)
    return courses - courses % SCHOOLS


def expected(assessments: int) -> dict[str, int]:
    """What the backfill must report on the generated data, from the generator's formulas."""
    courses, counts = courses_for(assessments), dict.fromkeys(("to_link", "to_create"), 0)
    unmapped = {"no_team_number": 0, "no_project": 0}
    created: set[tuple[int, int]] = set()
    for a in range(1, assessments + 1):
        p = (a - 1) % courses + 1
        for t in range(1, TEAMS + 1):
            if ((a - 1) * TEAMS + t) % 200 == 7:
                unmapped["no_team_number"] += 1
            elif a % 200 == 100:
                unmapped["no_project"] += 1
            elif (p * 3 + t * 7) % 10 == 0:
                counts["to_create"] += 1
                created.add((p, t))
            else:
                counts["to_link"] += 1
    mapped_keys = counts["to_link"] + counts["to_create"]
    return {
        "team_keys": mapped_keys + sum(unmapped.values()),
        **counts,
        "created": len(created),
        "members_added": len(created) * STUDENTS_PER_TEAM,
        "scores_updated": mapped_keys * ROWS_PER_ASSESSMENT // TEAMS,
        **{f"unmapped.{k}": v for k, v in unmapped.items()},
    }


def _sql(url: str, *statements: str, autocommit: bool = False) -> list[Any]:
    """Each statement's rows, or its row count when it returns none."""
    options = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    engine = sa.create_engine(url, **options)
    try:
        with engine.begin() as connection:
            results = [connection.execute(sa.text(s)) for s in statements]
            return [r.all() if r.returns_rows else r.rowcount for r in results]
    finally:
        engine.dispose()


def generate(name: str, score_rows: int) -> None:
    assessments = score_rows // ROWS_PER_ASSESSMENT
    admin_execute(f'CREATE DATABASE "{name}"', ADMIN_URL)
    engine = sa.create_engine(_url(name))
    with engine.begin() as connection:
        create_legacy_schema(connection, assessments=True)
        courses = courses_for(assessments)
        script = GENERATE.format(
            schools=SCHOOLS,
            courses=courses,
            teams=TEAMS,
            per_team=STUDENTS_PER_TEAM,
            per_course=STUDENTS_PER_COURSE,
            criteria=CRITERIA,
            overrides=OVERRIDES,
            assessments=assessments,
            teachers=(courses + SCHOOLS) * STUDENTS_PER_COURSE,
            missing=MISSING,
            reformed=REFORMED,
        )
        # FK checks off while loading (data valid by construction): 1M rows in seconds, not a
        # minute of per-row trigger calls. The constraints stay, as on the legacy platform.
        for statement in script.split(";"):
            connection.execute(sa.text(statement))
        # Ids were given explicitly: the sequences must start after them, or the backfill's
        # first INSERT of a team collides.
        for table in (*LEGACY_TABLES, *ASSESSMENT_TABLES):
            connection.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE(max(id), 0) + 1, false) FROM {table}"
                )
            )
    engine.dispose()
    _sql(_url(name), "VACUUM ANALYZE", autocommit=True)


def tool(*args: str, url: str) -> list[str]:
    return [TEAMEVAL, *args, "--json", "--database-url", url]


def bare_update(url: str) -> tuple[float, int]:
    """The bare statement by ``psql``: the server round trip by ``\\timing`` (seconds) and the
    rows its command tag reports."""
    command = [PSQL, "-X", "-v", "ON_ERROR_STOP=1", "-d", _libpq(url)]
    out = subprocess.run(
        [*command, "-c", "\\timing on", "-c", BARE_UPDATE],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = int(re.search(r"^UPDATE (\d+)", out, re.M).group(1))  # type: ignore[union-attr]
    milliseconds = float(re.search(r"^Time: ([\d.]+) ms", out, re.M).group(1))  # type: ignore[union-attr]
    return milliseconds / 1000, rows


def reset(url: str) -> None:
    _sql(url, RESET)
    _sql(url, "VACUUM ANALYZE project_assessment_scores", autocommit=True)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"answers differ: {message}")


def check_counts(document: dict[str, Any], assessments: int) -> None:
    flat = {**document, **{f"unmapped.{k}": v for k, v in document["unmapped"].items()}}
    for name, value in expected(assessments).items():
        _check(flat.get(name, 0) == value, f"{name}: tool {flat.get(name)} vs generator {value}")


@dataclass
class Result:
    score_rows: int
    assessments: int
    generate_seconds: float
    expand_seconds: float
    full_seconds: float  # first full backfill, whole process, median over fresh copies
    full_ms_per_1000: float
    net_ms_per_1000: float  # the same, net of the start-up (backfill of an empty database)
    full_peak_mb: float
    full_step_seconds: dict[str, float]
    scores_tool_seconds: float  # step_seconds["scores"] of the score-only reruns, median
    scores_bare_seconds: float  # the bare UPDATE (psql \timing), median
    ratio: float
    rerun_seconds: float  # the score-only rerun, whole process, median
    rerun_peak_mb: float
    rows_updated: int
    full_runs: list[float] = field(default_factory=list)
    tool_scores_runs: list[float] = field(default_factory=list)
    bare_runs: list[float] = field(default_factory=list)


def _copy(template: str) -> str:
    copy = f"bench_copy_{uuid.uuid4().hex[:10]}"
    admin_execute(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"', ADMIN_URL)
    return copy


def _drop(name: str) -> None:
    admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', ADMIN_URL)


def backfill(url: str) -> tuple[float, float, dict[str, Any]]:
    seconds, peak, out = timed(tool("backfill", "assessments", "--commit", url=url))
    return seconds, peak, json.loads(out)


def measure(template: str, score_rows: int, generate_seconds: float, repeat: int) -> Result:
    assessments = score_rows // ROWS_PER_ASSESSMENT
    expand_seconds, _, _ = timed(tool("expand", "assessments", "--commit", url=_url(template)))
    _sql(_url(template), "VACUUM ANALYZE", autocommit=True)
    full: list[tuple[float, float, dict[str, Any]]] = []
    copy = ""
    try:
        for _ in range(repeat):
            if copy:
                _drop(copy)
            copy = _copy(template)
            full.append(backfill(_url(copy)))
            check_counts(full[-1][2], assessments)
        url = _url(copy)
        _sql(url, "VACUUM ANALYZE", autocommit=True)
        after_tool = _sql(url, FINGERPRINT)[0][0]
        tool_runs: list[tuple[float, float, dict[str, Any]]] = []
        bare_runs: list[tuple[float, int]] = []
        for round_ in range(repeat):
            # Alternate which side goes first, so warmth and background load hit both alike.
            for side in ("tool", "bare") if round_ % 2 == 0 else ("bare", "tool"):
                reset(url)
                if side == "tool":
                    tool_runs.append(backfill(url))
                    _check(
                        tool_runs[-1][2]["scores_updated"] == full[0][2]["scores_updated"],
                        "rows updated by the rerun",
                    )
                else:
                    bare_runs.append(bare_update(url))
                    _check(bare_runs[-1][1] == full[0][2]["scores_updated"], "rows updated")
                _check(_sql(url, FINGERPRINT)[0][0] == after_tool, f"{side}: project_team_id")
    finally:
        if copy:
            _drop(copy)
    full_s = statistics.median(r[0] for r in full)
    scores_tool = [r[2]["step_seconds"]["scores"] for r in tool_runs]
    tool_s, bare_s = statistics.median(scores_tool), statistics.median(r[0] for r in bare_runs)
    return Result(
        score_rows=score_rows,
        assessments=assessments,
        generate_seconds=round(generate_seconds, 2),
        expand_seconds=round(expand_seconds, 3),
        full_seconds=round(full_s, 3),
        full_ms_per_1000=round(full_s * 1000 / score_rows * 1000, 3),
        net_ms_per_1000=0.0,
        full_peak_mb=round(max(r[1] for r in full), 1),
        full_step_seconds=full[len(full) // 2][2].get("step_seconds", {}),
        scores_tool_seconds=round(tool_s, 3),
        scores_bare_seconds=round(bare_s, 3),
        ratio=round(tool_s / bare_s, 2),
        rerun_seconds=round(statistics.median(r[0] for r in tool_runs), 3),
        rerun_peak_mb=round(max(r[1] for r in tool_runs), 1),
        rows_updated=full[0][2]["scores_updated"],
        full_runs=[round(r[0], 3) for r in full],
        tool_scores_runs=[round(s, 3) for s in scores_tool],
        bare_runs=[round(r[0], 3) for r in bare_runs],
    )


def startup(repeat: int) -> float:
    """Fixed cost of a backfill process: ``--commit`` on an empty, expanded legacy database."""
    name = f"bench_assessments_empty_{uuid.uuid4().hex[:6]}"
    generate(name, 0)
    try:
        timed(tool("expand", "assessments", "--commit", url=_url(name)))
        backfill(_url(name))  # fills the statement cache, as every later run finds it
        return statistics.median(backfill(_url(name))[0] for _ in range(repeat))
    finally:
        _drop(name)


def run(sizes: list[int], repeat: int) -> tuple[float, list[Result]]:
    fixed = startup(repeat)
    print(f"# start-up (backfill of an empty database): {fixed:.3f}s", flush=True)
    results = []
    for size in sizes:
        name = f"bench_assessments_{size}_{uuid.uuid4().hex[:6]}"
        started = time.perf_counter()
        generate(name, size)
        seconds = time.perf_counter() - started
        print(f"# {size:,} score rows generated in {seconds:.1f}s", flush=True)
        try:
            result = measure(name, size, seconds, repeat)
        finally:
            _drop(name)
        result.net_ms_per_1000 = round((result.full_seconds - fixed) * 1000 / size * 1000, 3)
        print(f"#   {asdict(result)}", flush=True)
        results.append(result)
    return fixed, results


def markdown(fixed: float, results: list[Result]) -> str:
    lines = [
        f"Start-up (backfill --commit of an empty database): {fixed:.2f} s",
        "",
        "| score rows | assessments | full backfill (s) | ms / 1k rows | net ms / 1k "
        "| peak MB | scores step (s) | bare UPDATE (s) | ratio | score-only rerun (s) "
        "| expand (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.score_rows:,} | {r.assessments:,} | {r.full_seconds:.2f} "
            f"| {r.full_ms_per_1000:.2f} | {r.net_ms_per_1000:.2f} | {r.full_peak_mb:.0f} "
            f"| {r.scores_tool_seconds:.2f} | {r.scores_bare_seconds:.2f} | {r.ratio:.2f}x "
            f"| {r.rerun_seconds:.2f} | {r.expand_seconds:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--label", default="", help="e.g. the commit measured")
    parser.add_argument("--output", type=os.path.abspath, default=str(RESULTS))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as cache:
        os.environ[CACHE_ENV] = cache
        fixed, results = run(sizes, args.repeat)
    document = {
        "label": args.label,
        "repeat": args.repeat,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "startup_seconds": round(fixed, 3),
        "results": [asdict(r) for r in results],
    }
    with open(args.output, "w") as output:
        output.write(json.dumps(document, indent=2) + "\n")
    print(markdown(fixed, results))


if __name__ == "__main__":
    main()
