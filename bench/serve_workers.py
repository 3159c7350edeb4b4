"""Benchmark: does ``teameval serve --workers 2`` serve more than ``--workers 1``?

Run from the repository root (PostgreSQL at TEAMEVAL_TEST_POSTGRES_URL, as the tests, default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``)::

    .venv/bin/python -m bench workers --clients 8 --requests 150 --repeats 3

It builds a throwaway PostgreSQL database, migrates it, seeds a school (an admin and 40
students), then per worker count starts a real ``teameval serve --workers N`` on 127.0.0.1 and
sends, per route, ``--requests`` requests on each of ``--clients`` connections, spread over
``--client-processes`` processes (one Python client process cannot keep two workers busy).
Each connection is a thread with its own ``httpx.Client``: kept open (keep-alive), requests one
after another, the way a reverse proxy or a browser talks to the server. Routes:
``GET /api/v1/auth/me``, ``GET /api/v1/admin/students`` (a list) and ``GET /api/v1/health``.

Per worker count and route it reports requests/s and p50/p99 latency, the median of
``--repeats`` runs. ``--source DIR`` runs another tree's code (e.g. a ``git worktree`` of an
older commit) with this venv; ``--http h11`` passes ``--http h11`` to the server when the tree
under test knows the option; ``--plain-uvicorn`` hides uvloop and httptools from the server
(asyncio and h11: what ``uvicorn`` without ``[standard]`` runs). Results go to
``bench/results/serve_workers.json`` keyed by ``--label``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from tests.databases import throwaway_postgres

from bench.served import Server, child_env, percentile, save_result, teameval

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "serve_workers.json"
PASSWORD = "bench-password-1234"  # noqa: S105 - a throwaway database's seed account
ROUTES = ("/api/v1/auth/me", "/api/v1/admin/students", "/api/v1/health")


@dataclass
class Run:
    workers: int
    route: str
    repeat: int
    requests: int
    errors: int
    wall_s: float
    requests_per_s: float
    p50_ms: float
    p99_ms: float


def _without_standard_extras() -> Path:
    """A directory whose ``uvloop`` and ``httptools`` fail to import: on PYTHONPATH it makes
    uvicorn fall back to asyncio and h11, as with the plain ``uvicorn`` dependency."""
    shim = Path(tempfile.mkdtemp(prefix="bench-no-extras-"))
    for name in ("uvloop", "httptools"):
        (shim / f"{name}.py").write_text(f"raise ImportError('{name}: hidden by the benchmark')\n")
    return shim


def _client_process(
    base: str,
    token: str,
    route: str,
    threads: int,
    requests: int,
    start: Any,
    results: Any,
) -> None:
    """``threads`` threads, each with one keep-alive connection and ``requests`` requests in
    sequence, released by ``start`` (shared with the other client processes)."""
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    ready = threading.Barrier(threads + 1)
    go = threading.Event()

    def client(index: int) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            http.get(route)  # opens the connection: not measured
            ready.wait()
            go.wait()
            for _ in range(requests):
                began = time.perf_counter()
                try:
                    ok = http.get(route).status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies[index].append(time.perf_counter() - began)
                errors[index] += 0 if ok else 1

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for thread in workers:
        thread.start()
    ready.wait(timeout=120)
    start.wait(timeout=120)
    go.set()
    for thread in workers:
        thread.join(timeout=600)
    results.put(([seconds for own in latencies for seconds in own], sum(errors)))


def _load(
    base: str, token: str, route: str, clients: int, processes: int, requests: int
) -> tuple[list[float], int, float]:
    """``clients`` keep-alive connections spread over ``processes`` client processes, so the
    client's own interpreter lock does not cap what the server can show."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(processes + 1)
    results = context.Queue()
    shares = [
        clients // processes + (1 if i < clients % processes else 0) for i in range(processes)
    ]
    children = [
        context.Process(
            target=_client_process, args=(base, token, route, share, requests, start, results)
        )
        for share in shares
        if share
    ]
    for child in children:
        child.start()
    start.wait(timeout=120)
    began = time.perf_counter()
    answers = [results.get(timeout=600) for _ in children]
    wall = time.perf_counter() - began
    for child in children:
        child.join(timeout=30)
    return [s for latencies, _ in answers for s in latencies], sum(e for _, e in answers), wall


def _seed(base: str) -> str:
    with httpx.Client(base_url=base, timeout=60) as client:
        login = client.post(
            "/api/v1/auth/login",
            json={"school": "bench", "email": "admin@bench.example.org", "password": PASSWORD},
        )
        login.raise_for_status()
        token: str = login.json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        for number in range(40):
            client.post(
                "/api/v1/admin/students",
                json={"email": f"reader{number}@bench.example.org", "name": f"Reader {number}"},
            ).raise_for_status()
    return token


def run(
    source: Path,
    workers: list[int],
    clients: int,
    processes: int,
    requests: int,
    repeats: int,
    extra: list[str],
    plain_uvicorn: bool = False,
) -> list[Run]:
    runs: list[Run] = []
    with throwaway_postgres() as url:
        first = [str(_without_standard_extras())] if plain_uvicorn else []
        env = child_env(source, url, first=first)
        teameval(env, "db", "upgrade")
        teameval(env, "schools", "create", "--slug", "bench", "--name", "Bench")
        teameval(
            env,
            "users",
            "create",
            "--school",
            "bench",
            "--role",
            "admin",
            "--email",
            "admin@bench.example.org",
            "--name",
            "Admin",
            stdin=PASSWORD + "\n",
        )
        token = None
        for count in workers:
            server = Server(env, count, extra)
            try:
                token = token or _seed(server.base)
                for repeat in range(repeats):
                    for route in ROUTES:
                        latencies, errors, wall = _load(
                            server.base, token, route, clients, processes, requests
                        )
                        one = Run(
                            workers=count,
                            route=route,
                            repeat=repeat,
                            requests=len(latencies),
                            errors=errors,
                            wall_s=round(wall, 3),
                            requests_per_s=round(len(latencies) / wall, 1),
                            p50_ms=round(statistics.median(latencies) * 1000, 2),
                            p99_ms=round(percentile(latencies, 0.99) * 1000, 2),
                        )
                        print(json.dumps(asdict(one)), flush=True)
                        runs.append(one)
            finally:
                server.stop(wait_s=30)
    return runs


def summary(runs: list[Run]) -> list[dict[str, Any]]:
    """Per worker count and route: the median of the repeats."""
    rows = []
    for count in sorted({r.workers for r in runs}):
        for route in ROUTES:
            mine = [r for r in runs if r.workers == count and r.route == route]
            if mine:
                rows.append(
                    {
                        "workers": count,
                        "route": route,
                        "requests_per_s": statistics.median(r.requests_per_s for r in mine),
                        "p50_ms": statistics.median(r.p50_ms for r in mine),
                        "p99_ms": statistics.median(r.p99_ms for r in mine),
                        "errors": sum(r.errors for r in mine),
                        "repeats": len(mine),
                    }
                )
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| workers | route | req/s | p50 (ms) | p99 (ms) | errors |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['workers']} | `{row['route']}` | {row['requests_per_s']:.0f} | "
            f"{row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {row['errors']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workers", default="1,2", help="Comma-separated worker counts.")
    parser.add_argument("--clients", type=int, default=8, help="Keep-alive connections.")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--requests", type=int, default=150, help="Per client and route.")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--source", type=Path, default=ROOT / "src")
    parser.add_argument("--http", default=None, help="Passed as serve --http (h11, httptools).")
    parser.add_argument(
        "--plain-uvicorn",
        action="store_true",
        help="Hide uvloop and httptools from the server: asyncio and h11, as before issue 8.",
    )
    parser.add_argument("--label", default="current")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    extra = ["--http", args.http] if args.http else []
    workers = [int(count) for count in args.workers.split(",")]
    runs = run(
        args.source.resolve(),
        workers,
        args.clients,
        args.client_processes,
        args.requests,
        args.repeats,
        extra,
        args.plain_uvicorn,
    )
    rows = summary(runs)
    print(markdown(rows))
    save_result(
        args.output,
        args.label,
        {
            "source": str(args.source),
            "clients": args.clients,
            "client_processes": args.client_processes,
            "requests_per_client": args.requests,
            "repeats": args.repeats,
            "server_options": extra,
            "plain_uvicorn": args.plain_uvicorn,
            "machine": f"{os.cpu_count()} CPUs, {sys.platform}, Python {sys.version.split()[0]}",
            "summary": rows,
            "runs": [asdict(r) for r in runs],
        },
    )


if __name__ == "__main__":
    main()
