"""Benchmark: bursts of simultaneous conflicting requests against a real ``teameval serve``.

Run from the repository root (PostgreSQL at TEAMEVAL_BENCH_POSTGRES_URL, default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``)::

    .venv/bin/python -m bench load --requests 100 --rounds 3

It builds a throwaway PostgreSQL database, migrates it with the tree under test's own
migrations, seeds a school (admin, teachers, courses, students), starts ``teameval serve``
(1 worker, 127.0.0.1 only) and signs in once. Then, per round and per shape, it fires
``--requests`` requests that all wait on one barrier and start together (asyncio + httpx, one
connection each):

* ``same_new_email``: POST /admin/students, one new email;
* ``same_student_number``: POST /admin/students, different emails, one student number;
* ``same_team_change``: PUT /courses/{c}/students/{s}/team, team numbers 1 to 5;
* ``same_course_code``: POST /courses, ``race-N`` / ``RACE-N``;
* ``same_teacher_assignment``: POST /courses/{c}/teachers, one teacher;
* ``enroll_unenroll``: POST and DELETE /courses/{c}/students for one pair, alternating;
* ``mixed_reads``: GET /admin/students, /courses, /auth/me, /courses/{c}/students.

Per shape it reports the answers by status, the wall time, p50/p99 latency, and the pool
timeouts the server logged (``sqlalchemy.exc.TimeoutError: QueuePool limit …`` lines; the code
before issue 7 logs each failed request twice, from its handler and from uvicorn).
``--source DIR`` runs another tree's code (e.g. a ``git worktree`` of an older commit) with
this venv: ``PYTHONPATH=DIR``.
Results go to ``bench/results/load_burst.json`` (``--output``), keyed by ``--label``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from tests.databases import throwaway_postgres

from bench.served import Server, child_env, percentile, save_result, teameval

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "load_burst.json"
PASSWORD = "bench-password-1234"  # noqa: S105 - a throwaway database's seed account
SHAPES = (
    "same_new_email",
    "same_student_number",
    "same_team_change",
    "same_course_code",
    "same_teacher_assignment",
    "enroll_unenroll",
    "mixed_reads",
)

# (method, path, json body or None) for request number i of a burst.
Request = tuple[str, str, dict[str, Any] | None]


@dataclass
class Burst:
    shape: str
    round: int
    statuses: dict[str, int]
    wall_s: float
    p50_s: float
    p99_s: float
    max_s: float
    pool_timeouts: int
    server_errors: int = field(default=0)


def _user(env: dict[str, str], role: str, email: str) -> int:
    out = teameval(
        env,
        "users",
        "create",
        "--school",
        "bench",
        "--role",
        role,
        "--email",
        email,
        "--name",
        email.split("@")[0],
        "--json",
        stdin=PASSWORD + "\n",
    )
    return int(json.loads(out)["id"])


def _pool_timeouts(server: Server) -> int:
    """Requests that failed waiting for a pooled connection: one log line each."""
    return sum(1 for line in server.log_lines() if line.startswith("sqlalchemy.exc.TimeoutError"))


async def _burst(client: httpx.AsyncClient, requests: list[Request]) -> tuple[list[Any], float]:
    start = asyncio.Event()
    ready = 0

    async def one(method: str, path: str, body: dict[str, Any] | None) -> tuple[str, float]:
        nonlocal ready
        ready += 1
        await start.wait()
        began = time.perf_counter()
        try:
            response = await client.request(method, path, json=body)
            status = str(response.status_code)
        except httpx.HTTPError as error:
            status = f"no answer ({type(error).__name__})"  # counted as a failure
        return status, time.perf_counter() - began

    tasks = [asyncio.create_task(one(*request)) for request in requests]
    for _ in range(1000):  # bounded: every task is parked on the barrier before the start
        if ready == len(tasks):
            break
        await asyncio.sleep(0.01)
    began = time.perf_counter()
    start.set()
    answers = await asyncio.gather(*tasks)
    return answers, time.perf_counter() - began


def _seed(client: httpx.Client, env: dict[str, str], rounds: int) -> dict[str, Any]:
    """Per round: a course, a teacher, a student; plus a few courses and students to read."""
    seed: dict[str, Any] = {"courses": [], "teachers": [], "students": []}
    for number in range(rounds):
        course = client.post("/api/v1/courses", json={"code": f"C-{number}", "name": "Course"})
        course.raise_for_status()
        student = client.post(
            "/api/v1/admin/students",
            json={"email": f"seed{number}@bench.example.org", "name": f"Seed {number}"},
        )
        student.raise_for_status()
        seed["courses"].append(course.json()["id"])
        seed["students"].append(student.json()["id"])
        seed["teachers"].append(_user(env, "teacher", f"teacher{number}@bench.example.org"))
    for number in range(40):
        client.post(
            "/api/v1/admin/students",
            json={
                "email": f"reader{number}@bench.example.org",
                "name": f"Reader {number}",
                "courses": ["C-0"],
            },
        ).raise_for_status()
    return seed


def _shape_requests(shape: str, n: int, round_: int, seed: dict[str, Any]) -> list[Request]:
    course, student = seed["courses"][round_], seed["students"][round_]
    teacher = seed["teachers"][round_]
    make: dict[str, Callable[[int], Request]] = {
        "same_new_email": lambda i: (
            "POST",
            "/api/v1/admin/students",
            {"email": f"race{round_}@bench.example.org", "name": f"Race {i}"},
        ),
        "same_student_number": lambda i: (
            "POST",
            "/api/v1/admin/students",
            {
                "email": f"n{round_}-{i}@bench.example.org",
                "name": "N",
                "student_number": f"SN{round_}",
            },
        ),
        "same_team_change": lambda i: (
            "PUT",
            f"/api/v1/courses/{course}/students/{student}/team",
            {"team_number": i % 5 + 1},
        ),
        "same_course_code": lambda i: (
            "POST",
            "/api/v1/courses",
            {"code": f"race-{round_}" if i % 2 else f"RACE-{round_}", "name": "Race"},
        ),
        "same_teacher_assignment": lambda i: (
            "POST",
            f"/api/v1/courses/{course}/teachers",
            {"user_id": teacher},
        ),
        "enroll_unenroll": lambda i: (
            ("POST", f"/api/v1/courses/{course}/students", {"student_id": student})
            if i % 2
            else ("DELETE", f"/api/v1/courses/{course}/students/{student}", None)
        ),
        "mixed_reads": lambda i: (
            "GET",
            (
                "/api/v1/admin/students",
                "/api/v1/courses",
                "/api/v1/auth/me",
                f"/api/v1/courses/{seed['courses'][0]}/students",
            )[i % 4],
            None,
        ),
    }
    return [make[shape](i) for i in range(n)]


async def _run_shapes(
    server: Server, token: str, seed: dict[str, Any], n: int, rounds: int, shapes: list[str]
) -> list[Burst]:
    bursts: list[Burst] = []
    # A new connection per request, as n separate clients would open: reusing a kept-alive
    # connection the server is just closing (uvicorn: after 5 s idle) fails on the client side.
    limits = httpx.Limits(max_connections=n + 10, max_keepalive_connections=0)
    async with httpx.AsyncClient(
        base_url=server.base,
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
        limits=limits,
    ) as client:
        for round_ in range(rounds):
            for shape in shapes:
                timeouts_before = _pool_timeouts(server)
                answers, wall = await _burst(client, _shape_requests(shape, n, round_, seed))
                latencies = [seconds for _, seconds in answers]
                statuses = Counter(str(status) for status, _ in answers)
                burst = Burst(
                    shape=shape,
                    round=round_,
                    statuses=dict(sorted(statuses.items())),
                    wall_s=round(wall, 3),
                    p50_s=round(statistics.median(latencies), 3),
                    p99_s=round(percentile(latencies, 0.99), 3),
                    max_s=round(max(latencies), 3),
                    pool_timeouts=_pool_timeouts(server) - timeouts_before,
                    server_errors=sum(1 for s, _ in answers if not s.isdigit() or s >= "500"),
                )
                print(json.dumps(asdict(burst)), flush=True)
                bursts.append(burst)
    return bursts


def run(source: Path, n: int, rounds: int, shapes: list[str]) -> list[Burst]:
    with throwaway_postgres() as url:
        env = child_env(source, url)
        teameval(env, "db", "upgrade")
        teameval(env, "schools", "create", "--slug", "bench", "--name", "Bench")
        _user(env, "admin", "admin@bench.example.org")
        server = Server(env)
        try:
            with httpx.Client(base_url=server.base, timeout=60) as client:
                login = client.post(
                    "/api/v1/auth/login",
                    json={
                        "school": "bench",
                        "email": "admin@bench.example.org",
                        "password": PASSWORD,
                    },
                )
                login.raise_for_status()
                token = login.json()["access_token"]
                client.headers["Authorization"] = f"Bearer {token}"
                seed = _seed(client, env, rounds)
            bursts = asyncio.run(_run_shapes(server, token, seed, n, rounds, shapes))
        finally:
            server.stop(keep_log=any(b.server_errors for b in locals().get("bursts", [])))
        return bursts


def summary(bursts: list[Burst]) -> list[dict[str, Any]]:
    """Per shape over the rounds: statuses summed, medians of wall time and p50/p99."""
    rows = []
    for shape in SHAPES:
        mine = [b for b in bursts if b.shape == shape]
        if not mine:
            continue
        statuses: Counter[str] = Counter()
        for burst in mine:
            statuses.update(burst.statuses)
        rows.append(
            {
                "shape": shape,
                "statuses": dict(sorted(statuses.items())),
                "wall_s": statistics.median(b.wall_s for b in mine),
                "p50_s": statistics.median(b.p50_s for b in mine),
                "p99_s": statistics.median(b.p99_s for b in mine),
                "worst_p99_s": max(b.p99_s for b in mine),
                "max_s": max(b.max_s for b in mine),
                "pool_timeouts": sum(b.pool_timeouts for b in mine),
                "stalled_rounds": sum(1 for b in mine if b.pool_timeouts),
                "server_errors": sum(b.server_errors for b in mine),
                "rounds": len(mine),
            }
        )
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| shape | answers (all rounds) | wall (s) | p50 (s) | p99 (s) | worst p99 (s) | 5xx "
        "| rounds with pool timeouts |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        answers = ", ".join(f"{count} x {status}" for status, count in row["statuses"].items())
        lines.append(
            f"| {row['shape']} | {answers} | {row['wall_s']:.2f} | {row['p50_s']:.2f} | "
            f"{row['p99_s']:.2f} | {row['worst_p99_s']:.2f} | {row['server_errors']} | "
            f"{row['stalled_rounds']} of {row['rounds']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--source", type=Path, default=ROOT / "src")
    parser.add_argument("--label", default="current")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="Comma-separated subset.")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    bursts = run(args.source.resolve(), args.requests, args.rounds, args.shapes.split(","))
    rows = summary(bursts)
    print(markdown(rows))
    save_result(
        args.output,
        args.label,
        {
            "source": str(args.source),
            "requests": args.requests,
            "rounds": args.rounds,
            "machine": f"{os.cpu_count()} CPUs, {sys.platform}, Python {sys.version.split()[0]}",
            "summary": rows,
            "bursts": [asdict(b) for b in bursts],
        },
    )


if __name__ == "__main__":
    main()
