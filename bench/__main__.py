"""`python -m bench [enrollment|assessments|access|import|load|login|workers|layout|results|
pages|all] [options]`: run one, or all.

Each benchmark's own options follow its name (`python -m bench enrollment --sizes 10000`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from bench import (
    access_audit,
    assessment_migration,
    assessment_results,
    enrollment_migration,
    import_students,
    load_burst,
    login_burst,
    serve_workers,
    team_layout,
    web_pages,
)

BENCHMARKS: dict[str, Callable[[], None]] = {
    "enrollment": enrollment_migration.main,
    "assessments": assessment_migration.main,
    "access": access_audit.main,
    "import": import_students.main,
    "load": load_burst.main,
    "login": login_burst.main,
    "workers": serve_workers.main,
    "layout": team_layout.main,
    "results": assessment_results.main,
    "pages": web_pages.main,
}


def run() -> None:
    name, *options = sys.argv[1:] or ["all"]
    if name not in (*BENCHMARKS, "all"):
        sys.exit(f"usage: python -m bench [{'|'.join(BENCHMARKS)}|all] [options]")
    chosen = BENCHMARKS if name == "all" else {name: BENCHMARKS[name]}
    for label, benchmark in chosen.items():
        print(f"==> benchmark: {label}", flush=True)
        sys.argv = [f"bench {label}", *([] if name == "all" else options)]
        benchmark()


run()
