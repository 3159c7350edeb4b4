"""Benchmark: enrollment audit and backfill against the issue's bare SQL, 10k to 1M memberships.

Run from the repository root (PostgreSQL at TEAMEVAL_BENCH_POSTGRES_URL, default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``; ``psql`` on the PATH)::

    .venv/bin/python -m bench.enrollment_migration --sizes 10000,100000,1000000 --repeat 5

For each size it builds, once, a *legacy-shaped* PostgreSQL template database (DESIGN.md §4: no
migrations of ours, ``course_enrollments`` without ``school_id`` but WITH ``created_at`` /
``updated_at``) in the shape of issue 8: ``m / 2`` students in ``m / 500`` courses of 10 schools,
each student in two teams of two courses of its school (so ``m`` active memberships; 500k students
in 2,000 courses at 1M), about 10 % of pairs without an enrollment and 2 % with an inactive one;
every 1,000th user is a teacher (their pairs are the rare non-student anomalies). Then it times,
as whole processes, alternating, median of ``--repeat``:

* ``teameval audit enrollments --json`` vs the issue's audit statement run by ``psql``, and a
  "fair" bare audit (also counts the anomalies, as the tool does) run by ``psql``;
* ``teameval backfill enrollments --commit --json`` vs the issue's backfill statement run by
  ``psql``; every one of these runs on its own fresh copy (``CREATE DATABASE … TEMPLATE``).

The answers are compared (missing / active / inactive, rows written) and a mismatch stops the
run. Peak memory is each child's maximum resident set size as GNU ``time`` reports it (the client
process; the PostgreSQL server's own memory is not included). Results are printed as a Markdown
table and written to ``bench/results/enrollment_migration.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa
from tests.databases import admin_execute, postgres_url
from tests.migration.dataset import create_legacy_schema

from teameval.migration.runner.statement_cache import CACHE_ENV

ADMIN_URL = os.environ.get(
    "TEAMEVAL_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ROOT = Path(__file__).resolve().parent.parent
TEAMEVAL = os.environ.get("TEAMEVAL_BENCH_TOOL", str(ROOT / ".venv" / "bin" / "teameval"))
RESULTS = ROOT / "bench" / "results" / "enrollment_migration.json"
PSQL = shutil.which("psql") or "psql"
SCHOOLS = 10
MEMBERSHIPS_PER_COURSE = 500  # 1M memberships -> 2,000 courses
TEAMS_PER_COURSE = 20

# Production-like indexes on the join columns of the legacy platform, and timestamps WITH defaults
# (the issue's bare INSERT names only course_id, student_id and active).
LEGACY_EXTRAS = (
    "CREATE INDEX ix_group_members_user_id ON group_members (user_id)",
    "CREATE INDEX ix_groups_course_id ON groups (course_id)",
    "ALTER TABLE course_enrollments ADD COLUMN created_at TIMESTAMP NOT NULL DEFAULT now(), "
    "ADD COLUMN updated_at TIMESTAMP NOT NULL DEFAULT now()",
)

# Student s (school (s-1) % 10 + 1) takes courses j and j+1 (mod the school's course count) of
# its school, one team each. hash(pair) % 100 < 10 -> no enrollment, < 12 -> inactive.
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
           CASE WHEN s % 1000 = 0 THEN 'teacher' ELSE 'student' END
    FROM generate_series(1, {students}) s;
CREATE TEMP TABLE bench_pairs AS
    SELECT s AS student_id,
           ((((s - 1) / {schools}) + k) % {courses_per_school}) * {schools}
             + (s - 1) % {schools} + 1 AS course_id,
           (s * 31 + k * 17) % 100 AS h
    FROM generate_series(1, {students}) s, generate_series(0, 1) k;
INSERT INTO group_members (school_id, group_id, user_id, role_in_team, active)
    SELECT (p.course_id - 1) % {schools} + 1,
           (p.course_id - 1) * {teams} + (p.student_id / {schools}) % {teams} + 1,
           p.student_id, 'member', TRUE
    FROM bench_pairs p ORDER BY p.course_id, p.student_id;
INSERT INTO course_enrollments (course_id, student_id, active)
    SELECT course_id, student_id, h >= 12 FROM bench_pairs WHERE h >= 10
    ORDER BY course_id, student_id;
"""

# EXACTLY the statements of issue 8, run by psql.
ISSUE_AUDIT = (
    "WITH p AS (SELECT DISTINCT gm.user_id, g.course_id FROM group_members gm JOIN groups g ON "
    "g.id=gm.group_id JOIN users u ON u.id=gm.user_id WHERE gm.active AND u.role='student') "
    "SELECT count(*) FILTER (WHERE e.id IS NULL), count(*) FILTER (WHERE e.active), count(*) "
    "FILTER (WHERE NOT e.active) FROM p LEFT JOIN course_enrollments e ON e.course_id=p.course_id "
    "AND e.student_id=p.user_id;"
)
ISSUE_BACKFILL = (
    "INSERT INTO course_enrollments (course_id, student_id, active) SELECT DISTINCT g.course_id, "
    "gm.user_id, true FROM group_members gm JOIN groups g ON g.id=gm.group_id JOIN users u ON "
    "u.id=gm.user_id WHERE gm.active AND u.role='student' AND NOT EXISTS (SELECT 1 FROM "
    "course_enrollments x WHERE x.course_id=g.course_id AND x.student_id=gm.user_id AND x.active) "
    "ON CONFLICT (course_id, student_id) DO UPDATE SET active=true WHERE NOT "
    "course_enrollments.active;"
)
# "Fair" bare audit: what the tool answers, by hand: the same three counts over eligible pairs
# plus the two anomaly counts (non-student member; member, group and course in different schools)
# and the active memberships.
FAIR_AUDIT = """
WITH p AS (SELECT gm.user_id, g.course_id, count(*) AS m, bool_or(u.role <> 'student') AS ns,
  bool_or(u.school_id <> g.school_id OR c.school_id <> g.school_id
          OR gm.school_id <> g.school_id) AS xs
  FROM group_members gm JOIN groups g ON g.id = gm.group_id JOIN courses c ON c.id = g.course_id
  JOIN users u ON u.id = gm.user_id WHERE gm.active GROUP BY gm.user_id, g.course_id)
SELECT count(*) FILTER (WHERE NOT ns AND NOT xs AND e.id IS NULL),
  count(*) FILTER (WHERE NOT ns AND NOT xs AND e.active),
  count(*) FILTER (WHERE NOT ns AND NOT xs AND NOT e.active),
  count(*) FILTER (WHERE ns), count(*) FILTER (WHERE xs AND NOT ns), sum(m)
FROM p LEFT JOIN course_enrollments e ON e.course_id = p.course_id AND e.student_id = p.user_id;
"""


@dataclass
class Measure:
    size: int
    task: str
    bare: str  # which bare statement: "issue" (verbatim) or "fair" (also counts anomalies)
    tool_seconds: float
    bare_seconds: float
    tool_peak_mb: float
    bare_peak_mb: float
    ratio: float
    tool_ms_per_1000: float  # tool seconds per 1,000 memberships, in ms
    # The same net of the fixed start-up (the empty-database audit): flat means linear.
    net_ms_per_1000: float = 0.0


def _admin(statement: str) -> None:
    admin_execute(statement, ADMIN_URL)


def _url(name: str) -> str:
    return postgres_url(name, ADMIN_URL)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def generate(name: str, memberships: int) -> None:
    students = memberships // 2
    courses = max(SCHOOLS * 2, memberships // MEMBERSHIPS_PER_COURSE)
    courses -= courses % SCHOOLS
    _admin(f'CREATE DATABASE "{name}"')
    engine = sa.create_engine(_url(name))
    with engine.begin() as connection:
        create_legacy_schema(connection)
        for statement in LEGACY_EXTRAS:
            connection.execute(sa.text(statement))
        script = GENERATE.format(
            schools=SCHOOLS,
            courses=courses,
            courses_per_school=courses // SCHOOLS,
            teams=TEAMS_PER_COURSE,
            students=students,
        )
        for statement in script.split(";"):
            if statement.strip():
                connection.execute(sa.text(statement))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()


TIME = shutil.which("time", path="/usr/bin:/bin")


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``command`` as a child: wall time, its own peak RSS in MB, and its stdout.

    The peak comes from GNU time's ``%M`` (wait4 of a fork of the small ``time`` process): a
    child forked straight from this benchmark would report this process's size as its own
    high-water mark. Without GNU time it falls back to RUSAGE_CHILDREN (an over-estimate).
    """
    prefix = [TIME, "-f", "PEAK_KB=%M"] if TIME else []
    started = time.perf_counter()
    process = subprocess.Popen(
        [*prefix, *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=None if env is None else {**os.environ, **env},
    )
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode not in (0, 1, 2):
        raise RuntimeError(f"{command[:4]} failed ({process.returncode}): {stderr.decode()}")
    peak_kb = [line for line in stderr.decode().splitlines() if line.startswith("PEAK_KB=")]
    if peak_kb:
        return seconds, int(peak_kb[-1].removeprefix("PEAK_KB=")) / 1024, stdout.decode()
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, stdout.decode()


def psql(url: str, sql: str) -> list[str]:
    return [PSQL, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", _libpq(url), "-c", sql]


def tool(*args: str, url: str, executable: str = TEAMEVAL) -> list[str]:
    # The console script operators type; its start-up is part of what is measured.
    return [executable, *args, "--json", "--database-url", url]


@dataclass
class Runs:
    seconds: list[float]
    peaks: list[float]
    outputs: list[str]

    def add(self, run: tuple[float, float, str]) -> None:
        self.seconds.append(run[0])
        self.peaks.append(run[1])
        self.outputs.append(run[2])


def _runs() -> Runs:
    return Runs([], [], [])


def _measure(size: int, task: str, ours: Runs, theirs: Runs, bare_name: str) -> Measure:
    tool_s, bare_s = statistics.median(ours.seconds), statistics.median(theirs.seconds)
    return Measure(
        size=size,
        task=task,
        bare=bare_name,
        tool_seconds=round(tool_s, 3),
        bare_seconds=round(bare_s, 3),
        tool_peak_mb=round(max(ours.peaks), 1),
        bare_peak_mb=round(max(theirs.peaks), 1),
        ratio=round(tool_s / bare_s, 2),
        tool_ms_per_1000=round(tool_s * 1000 / size * 1000, 3) if size else 0.0,
    )


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"answers differ: {message}")


def measure_audit(url: str, size: int, repeat: int) -> list[Measure]:
    ours, issue, fair = _runs(), _runs(), _runs()
    for _ in range(repeat):
        # Alternate so cache warmth and background noise hit all sides alike.
        ours.add(timed(tool("audit", "enrollments", url=url)))
        issue.add(timed(psql(url, ISSUE_AUDIT)))
        fair.add(timed(psql(url, FAIR_AUDIT)))
    document = json.loads(ours.outputs[0])
    answer = [document["missing"], document["enrolled_active"], document["enrolled_inactive"]]
    issue_answer = [int(v) for v in issue.outputs[0].split("|")]
    _check(issue_answer == answer, f"{answer} vs {issue_answer}")
    anomalies = document["anomalies"]
    fair_answer = [
        *answer,
        anomalies["non_student_member"],
        anomalies["cross_school"],
        document["active_memberships"],
    ]
    _check(
        [int(v) for v in fair.outputs[0].split("|")] == fair_answer,
        f"{fair_answer} vs {fair.outputs[0]!r}",
    )
    print(
        f"#   audit {size:,}: missing/active/inactive/non-student/cross/memberships {fair_answer}"
    )
    return [
        _measure(size, "audit", ours, issue, "issue"),
        _measure(size, "audit", ours, fair, "fair"),
    ]


def measure_commit(
    template: str, size: int, repeat: int, baseline: str | None = None
) -> tuple[list[Measure], int]:
    """Each run writes, so each gets its own fresh copy of the generated database. With a
    ``baseline`` executable (another version of ``teameval``), it runs in the same rounds."""
    ours, issue, older = _runs(), _runs(), _runs()
    sides: list[tuple[str | None, Runs]] = [(TEAMEVAL, ours), (None, issue)]
    if baseline:
        sides.append((baseline, older))
    for _ in range(repeat):
        for executable, runs in sides:
            copy = f"bench_copy_{uuid.uuid4().hex[:10]}"
            _admin(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
            try:
                url = _url(copy)
                command = (
                    psql(url, ISSUE_BACKFILL)
                    if executable is None
                    else tool("backfill", "enrollments", "--commit", url=url, executable=executable)
                )
                runs.add(timed(command))
            finally:
                _admin(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
    document = json.loads(ours.outputs[0])
    written = document["created"] + document["reactivated"]
    _check(document["status"] == "completed", document["status"])
    print(
        f"#   backfill {size:,}: created {document['created']} reactivated "
        f"{document['reactivated']} ({written} rows)"
    )
    measures = [_measure(size, "backfill --commit", ours, issue, "issue")]
    if baseline:
        # The same report, to the number and the key, or the comparison means nothing.
        _check(
            all(_comparable(out) == _comparable(ours.outputs[0]) for out in older.outputs),
            "the baseline's backfill report",
        )
        measures.append(_measure(size, "backfill --commit, baseline", older, issue, "issue"))
    return measures, written


def _comparable(output: str) -> dict[str, object]:
    document: dict[str, object] = json.loads(output)
    document.pop("seconds")
    return document


def written_by_bare(template: str) -> int:
    """Rows the issue's INSERT writes on a copy of ``template`` (its command tag)."""
    copy = f"bench_copy_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
    try:
        # Without -q, psql prints the command tag: "INSERT 0 <rows>".
        command = [PSQL, "-X", "-v", "ON_ERROR_STOP=1", "-d", _libpq(_url(copy))]
        out = subprocess.run(
            [*command, "-c", ISSUE_BACKFILL], capture_output=True, text=True, check=True
        ).stdout
        return int(out.split()[-1])
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


def startup(repeat: int) -> list[Measure]:
    """Fixed cost of a process on each side with no data: the audit of an empty legacy-shaped
    database vs the bare statements on it; warm (the statements compiled by an earlier run, as
    in every later measurement) and cold (each run with an empty statement cache, so it imports
    SQLAlchemy and compiles, as an operator's very first run does)."""
    name = f"bench_enrollments_empty_{uuid.uuid4().hex[:6]}"
    generate(name, 0)
    try:
        warm, cold, issue = _runs(), _runs(), _runs()
        timed(tool("audit", "enrollments", url=_url(name)))  # fills the statement cache
        for _ in range(repeat):
            warm.add(timed(tool("audit", "enrollments", url=_url(name))))
            with tempfile.TemporaryDirectory() as empty:
                cold.add(timed(tool("audit", "enrollments", url=_url(name)), {CACHE_ENV: empty}))
            issue.add(timed(psql(_url(name), ISSUE_AUDIT)))
        return [
            _measure(0, "audit, empty database (start-up)", warm, issue, "issue"),
            _measure(0, "audit, empty database, cold statement cache", cold, issue, "issue"),
        ]
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(sizes: list[int], repeat: int, baseline: str | None = None) -> list[Measure]:
    results = startup(repeat)
    print(f"#   {asdict(results[0])}\n#   {asdict(results[1])}", flush=True)
    for size in sizes:
        name = f"bench_enrollments_{size}_{uuid.uuid4().hex[:6]}"
        started = time.perf_counter()
        generate(name, size)
        seconds = time.perf_counter() - started
        print(f"# {size:,} memberships generated in {seconds:.1f}s", flush=True)
        try:
            url = _url(name)
            results += measure_audit(url, size, repeat)
            print(f"#   {asdict(results[-2])}\n#   {asdict(results[-1])}", flush=True)
            commits, written = measure_commit(name, size, repeat, baseline)
            results += commits
            for commit in commits:
                print(f"#   {asdict(commit)}", flush=True)
            _check(written_by_bare(name) == written, "rows written by the issue's INSERT")
        finally:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return results


def markdown(results: list[Measure]) -> str:
    lines = [
        "| memberships | task | bare | tool (s) | bare SQL (s) | ratio | tool ms / 1k "
        "| net ms / 1k | tool peak MB | bare peak MB |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        size = f"{r.size:,}" if r.size else "-"
        lines.append(
            f"| {size} | {r.task} | {r.bare} | {r.tool_seconds:.2f} | {r.bare_seconds:.2f} | "
            f"{r.ratio:.2f}x | {r.tool_ms_per_1000:.2f} | {r.net_ms_per_1000:.2f} "
            f"| {r.tool_peak_mb:.0f} | {r.bare_peak_mb:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--label", default="", help="e.g. the commit measured")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--baseline",
        default=None,
        help="another teameval executable (e.g. a wrapper running an older commit's code) "
        "whose backfill --commit runs in the same rounds; its report must be the same",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    load_before = os.getloadavg()
    # The tools' compiled statements in a directory of this run's own (not ~/.cache): the first
    # run of each statement compiles it, as an operator's first run does.
    with tempfile.TemporaryDirectory() as cache:
        os.environ[CACHE_ENV] = cache
        results = run(sizes, args.repeat, args.baseline)
    fixed = results[0].tool_seconds
    for r in results[2:]:
        r.net_ms_per_1000 = round((r.tool_seconds - fixed) * 1000 / r.size * 1000, 3)
    document = {
        "label": args.label,
        "baseline": args.baseline,
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
