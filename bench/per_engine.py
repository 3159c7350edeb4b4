"""The command line the per-engine benchmarks share: ``--repeat`` and ``--engines``, each
engine run in turn, the results printed as a Markdown table and written as JSON."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any


def run_per_engine(
    description: str | None,
    run_engine: Callable[[str, int], Sequence[Any]],
    markdown: Callable[[list[Any]], str],
    results_path: Path,
    default_repeat: int,
) -> None:
    parser = argparse.ArgumentParser(description=(description or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=default_repeat)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    results = [m for name in args.engines.split(",") for m in run_engine(name, args.repeat)]
    print(markdown(results))
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps([asdict(m) for m in results], indent=2) + "\n")
