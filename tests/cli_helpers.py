"""Run the real ``teameval`` command in-process (CliRunner) or as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping

from typer.testing import CliRunner

from teameval.cli import app


def run_cli(*args: str, input: str | None = None, env: Mapping[str, str] | None = None):  # type: ignore[no-untyped-def]
    """In-process: fast, and exceptions surface in the result."""
    return CliRunner().invoke(app, list(args), input=input, env=dict(env or {}))


def run_teameval(
    *args: str, env: Mapping[str, str] | None = None, input: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """As a separate process, exactly as an operator runs it."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "teameval", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=input,
        timeout=timeout,
        check=False,
    )
