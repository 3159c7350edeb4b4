"""The suite starts its long-running tests first (tests/run_order.py), in every legacy mode,
and keeps the rest in pytest's order."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.legacy_modes import MODE_ENV

ROOT = Path(__file__).parent.parent
NO_CACHE = ["-p", "no:cacheprovider"]
FILES = ["tests/test_config.py", "tests/test_import_cycles.py", "tests/test_run_order.py"]


def _collected(mode: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", *NO_CACHE, *FILES],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, MODE_ENV: mode},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if "::" in line]


@pytest.mark.parametrize("mode", ["on", "retired"])
def test_slow_tests_are_collected_first_and_the_rest_keep_their_order(mode: str) -> None:
    collected = _collected(mode)
    slow = "tests/test_import_cycles.py::test_every_module_imports_alone_in_a_fresh_interpreter"
    assert collected[0] == slow
    rest = collected[1:]
    assert rest[0].startswith("tests/test_config.py::")  # the first file's tests come next
    files = [line.split("::")[0] for line in rest]
    assert files == sorted(files, key=FILES.index)  # file order kept
    assert (
        "tests/test_import_cycles.py::test_the_check_sees_a_cycle_that_only_one_entry_point"
        "_trips" in rest
    )
