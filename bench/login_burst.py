"""Benchmark: 100 simultaneous logins against a real ``teameval serve``: peak RSS and answers.

Run from the repository root::

    .venv/bin/python -m bench login --requests 100 [--postgres] [--source DIR --label before]

It migrates a throwaway database (SQLite in a temporary directory, or with ``--postgres`` a
throwaway PostgreSQL database at ``TEAMEVAL_BENCH_POSTGRES_URL``) with the tree under test's
own migrations, seeds one school with ``--requests`` students (one argon2 hash, shared), starts
``teameval serve`` (1 worker, 127.0.0.1) and signs in once to warm up. Then two bursts, each
``--requests`` logins parked on one barrier and released together (asyncio + httpx, one
connection each):

* ``mixed``: 40 % right passwords, 40 % wrong ones, 20 % unknown emails, all different accounts;
* ``one_account``: every login a wrong password for the same account (a guessing burst).

Per burst it prints the answers by status and the wall time; for the server process its RSS
before the burst and the highest RSS sampled during it (every 10 ms from /proc), and at the end
its high-water mark (``VmHWM``). ``--source DIR`` runs another tree's code (e.g. a ``git
worktree`` of an older commit) with this venv: ``PYTHONPATH=DIR``. Results are appended to
``bench/results/login_burst.json`` under ``--label``. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from argon2 import PasswordHasher

from bench.served import Server, child_env, save_result, teameval

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "login_burst.json"
PASSWORD = "bench-password-1234"  # noqa: S105 - a throwaway database's seed accounts
LOGIN = "/api/v1/auth/login"


def _rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not found for {pid}")


@contextmanager
def _database(postgres: bool) -> Iterator[str]:
    if postgres:
        from tests.databases import throwaway_postgres

        with throwaway_postgres() as url:
            yield url
        return
    with tempfile.TemporaryDirectory(prefix="login_burst_") as directory:
        yield f"sqlite:///{directory}/bench.db"


def _seed(url: str, students: int) -> None:
    """Plain SQL against the 0001 schema, so the same seed works for old and new code."""
    password_hash = PasswordHasher().hash(PASSWORD)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO schools (slug, name) VALUES ('bench', 'Bench')"))
        school_id = connection.scalar(sa.text("SELECT id FROM schools WHERE slug = 'bench'"))
        connection.execute(
            sa.text(
                "INSERT INTO users (school_id, email, name, role, archived, password_hash) "
                "VALUES (:school_id, :email, :name, 'student', false, :password_hash)"
            ),
            [
                {
                    "school_id": school_id,
                    "email": f"student{n}@bench.example.org",
                    "name": f"Student {n}",
                    "password_hash": password_hash,
                }
                for n in range(students)
            ],
        )
    engine.dispose()


def _error_kinds(server: Server) -> dict[str, int]:
    """Exceptions the server logged (the last line of each traceback), by type."""
    kinds = Counter(
        line.split(":", 1)[0]
        for line in server.log_lines()
        if re.match(r"^[\w.]+(Error|Exception): ", line)
    )
    return dict(sorted(kinds.items()))


class PeakSampler:
    """The highest RSS of ``pid`` seen while the block runs, sampled every 10 ms."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._done.is_set():
            self.peak_kib = max(self.peak_kib, _rss_kib(self.pid))
            self._done.wait(0.01)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join(timeout=5)


async def _burst(base: str, bodies: list[dict[str, str]]) -> tuple[Counter[str], float]:
    start = asyncio.Event()
    ready = 0
    limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

        async def one(body: dict[str, str]) -> str:
            nonlocal ready
            ready += 1
            await start.wait()
            try:
                response = await client.post(LOGIN, json=body)
            except httpx.HTTPError as error:
                return type(error).__name__  # no answer at all: named, counted
            if response.headers.get("content-type") == "application/problem+json":
                # e.g. "503 /problems/hashing-busy": which refusal it was
                return f"{response.status_code} {response.json().get('type')}"
            return str(response.status_code)

        tasks = [asyncio.create_task(one(body)) for body in bodies]
        for _ in range(1000):  # bounded: every task is parked on the barrier before the start
            if ready == len(tasks):
                break
            await asyncio.sleep(0.01)
        began = time.perf_counter()
        start.set()
        answers = await asyncio.gather(*tasks)
        return Counter(answers), time.perf_counter() - began


def _mixed(requests: int) -> list[dict[str, str]]:
    bodies = []
    for n in range(requests):
        kind = n % 5  # 0, 1: right; 2, 3: wrong; 4: unknown
        email = f"student{n}@bench.example.org" if kind < 4 else f"nobody{n}@bench.example.org"
        password = PASSWORD if kind < 2 else "wrong-password"
        bodies.append({"school": "bench", "email": email, "password": password})
    return bodies


def _one_account(requests: int) -> list[dict[str, str]]:
    body = {"school": "bench", "email": "student0@bench.example.org", "password": "wrong"}
    return [dict(body) for _ in range(requests)]


def run(source: Path, requests: int, postgres: bool) -> dict[str, Any]:
    with _database(postgres) as url:
        env = child_env(source, url, secret=postgres)
        teameval(env, "db", "upgrade")
        _seed(url, requests)
        server = Server(env)
        try:
            pid = server.process.pid
            warm = httpx.post(server.base + LOGIN, json=_mixed(1)[0], timeout=60)
            result: dict[str, Any] = {
                "engine": "postgresql" if postgres else "sqlite",
                "requests": requests,
                "warm_up_status": warm.status_code,
                "bursts": {},
            }
            for name, bodies in (
                ("mixed", _mixed(requests)),
                ("one_account", _one_account(requests)),
            ):
                before = _rss_kib(pid)
                with PeakSampler(pid) as sampler:
                    statuses, wall = asyncio.run(_burst(server.base, bodies))
                result["bursts"][name] = {
                    "statuses": dict(sorted(statuses.items())),
                    "wall_s": round(wall, 2),
                    "rss_before_mib": round(before / 1024, 1),
                    "rss_peak_mib": round(sampler.peak_kib / 1024, 1),
                }
                print(name, json.dumps(result["bursts"][name]), flush=True)
            result["vm_hwm_mib"] = round(_rss_kib(pid, "VmHWM") / 1024, 1)
            result["server_errors"] = _error_kinds(server)
            print("server high-water mark (VmHWM):", result["vm_hwm_mib"], "MiB", flush=True)
            print("server errors logged:", result["server_errors"], flush=True)
            return result
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--source", type=Path, default=ROOT / "src")
    parser.add_argument("--label", default="current")
    parser.add_argument("--output", type=Path, default=RESULTS)
    options = parser.parse_args()
    result = run(options.source.resolve(), options.requests, options.postgres)
    save_result(options.output, f"{options.label}/{result['engine']}", result)
    print(f"results: {options.output}")


if __name__ == "__main__":
    main()
