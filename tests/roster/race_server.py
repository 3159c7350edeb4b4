"""Real concurrency for the race tests: a ``teameval serve`` subprocess on PostgreSQL, and bursts
of requests from threads released together by a barrier, each on its own HTTP connection."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.roster.conftest import API, SECRET


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    headers: dict[str, str]
    json: Any = None


@dataclass(frozen=True)
class Answer:
    call: Call
    status: int
    body: Any


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(db_url: str, log_path: Path) -> Iterator[str]:
    """The base URL of a real ``teameval serve`` on ``db_url``; on leaving, its log must hold
    no traceback (a 409 that was really an unhandled error would show there)."""
    port = _free_port()
    env = {**os.environ, "TEAMEVAL_DATABASE_URL": db_url, "TEAMEVAL_SECRET_KEY": SECRET}
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "teameval", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}{API}"
        try:
            for _ in range(150):  # bounded: at most ~30 s for the server to come up
                assert server.poll() is None, log_path.read_text()
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            else:
                pytest.fail("server did not come up")
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert "Traceback" not in log_path.read_text()


def burst(base: str, calls: Sequence[Call]) -> list[Answer]:
    """Send every call at once: one thread and one warmed-up connection per call, all released
    by one barrier, so the requests really overlap in the server and the database."""
    barrier = threading.Barrier(len(calls))
    answers: list[Answer | None] = [None] * len(calls)
    errors: list[BaseException] = []

    def send(index: int, call: Call) -> None:
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                client.get("/health")  # open the connection before the race starts
                barrier.wait(timeout=60)
                response = client.request(
                    call.method, call.path, headers=call.headers, json=call.json
                )
            body = response.json() if response.content else None
            answers[index] = Answer(call, response.status_code, body)
        except BaseException as error:  # reported in the test, not lost in a thread
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=send, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    done = [answer for answer in answers if answer is not None]
    assert len(done) == len(calls)
    return done


def statuses(answers: Sequence[Answer]) -> Counter[int]:
    return Counter(answer.status for answer in answers)


def assert_only(answers: Sequence[Answer], allowed: set[int]) -> None:
    """Every answer is one of ``allowed`` (never a 5xx); 409s are problem documents."""
    unexpected = [(a.status, a.body) for a in answers if a.status not in allowed]
    assert not unexpected, unexpected
    for answer in answers:
        if answer.status == 409:
            assert answer.body["status"] == 409
            assert answer.body["type"] == "/problems/conflict", answer.body
