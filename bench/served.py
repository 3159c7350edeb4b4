"""What the benchmarks against a real ``teameval serve`` share: the child processes' environment,
``python -m teameval …`` commands, the server itself, and a percentile."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

SECRET = "bench-secret-key-" + "x" * 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def child_env(
    source: Path, url: str, *, first: Sequence[str] = (), secret: bool = True
) -> dict[str, str]:
    """The environment of a child running ``source``'s code on ``url``: ``first`` goes on
    PYTHONPATH before ``source``; ``secret=False`` leaves the secret key as it is here."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([*first, str(source)]),
        "TEAMEVAL_DATABASE_URL": url,
    }
    if secret:
        env["TEAMEVAL_SECRET_KEY"] = SECRET
    return env


def teameval(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """``python -m teameval args``: its output, or an error carrying what it wrote."""
    done = subprocess.run(
        [sys.executable, "-m", "teameval", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"teameval {' '.join(args)} failed: {done.stderr or done.stdout}")
    return done.stdout


def save_result(path: Path, label: str, entry: dict[str, Any]) -> None:
    """Add ``entry`` under ``label`` to the results file, keeping every other run's results."""
    results = json.loads(path.read_text()) if path.exists() else {}
    results[label] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Server:
    """``teameval serve --workers N [extra]`` as a subprocess on a free local port, its output
    in a temporary log file; up once the constructor returns."""

    def __init__(self, env: dict[str, str], workers: int = 1, extra: Sequence[str] = ()) -> None:
        port = free_port()
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)  # noqa: SIM115
        command = [sys.executable, "-m", "teameval", "serve", "--port", str(port)]
        self.process = subprocess.Popen(
            [*command, "--workers", str(workers), *extra],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(300):  # bounded wait for the server to answer
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {Path(self.log.name).read_text()}")
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not come up")

    def log_lines(self) -> list[str]:
        """What the server has written so far."""
        return Path(self.log.name).read_text(errors="replace").splitlines()

    def stop(self, keep_log: bool = False, wait_s: float = 15) -> None:
        """Terminate (kill after ``wait_s``); the log is deleted unless ``keep_log``, then its
        path is printed to stderr."""
        self.process.terminate()
        try:
            self.process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
        if keep_log:
            print(f"server log (5xx answers to read up on): {self.log.name}", file=sys.stderr)
        else:
            Path(self.log.name).unlink(missing_ok=True)
