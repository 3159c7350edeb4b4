"""The lean start of a migration command, checked in a fresh interpreter: the console script's
lean path (``teameval.migration.argv.run``) compiles its statements with SQLAlchemy on the first
run and, from the statement cache, imports neither SQLAlchemy nor Typer (nor pydantic) on the
next. Shared by ``audit enrollments`` (tests/migration/test_lean_start.py) and ``audit access``
(tests/migration/phase3/test_command.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from teameval.migration.runner.statement_cache import CACHE_ENV

# Run in the child: the lean path, then the heavy packages it imported, on stderr.
_SCRIPT = (
    "import sys\n"
    "from teameval.migration.argv import run\n"
    "code = run(sys.argv[1:])\n"
    "heavy = {m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'typer', 'pydantic'}\n"
    "print(' '.join(sorted(heavy)), file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def _lean_run(words: tuple[str, ...], cache: Path) -> tuple[int, dict[str, Any], list[str]]:
    """One run: its exit code, its JSON document and the heavy packages it imported."""
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *words],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, CACHE_ENV: str(cache)},
    )
    document = json.loads(done.stdout)
    assert isinstance(document, dict)
    return done.returncode, document, done.stderr.split()


def assert_lean_start(
    cache: Path, *words: str, drop: tuple[str, ...] = ()
) -> tuple[int, dict[str, Any]]:
    """Run the command ``words`` (a ``--json`` one, on PostgreSQL through psycopg) twice with
    the statement cache in ``cache`` (empty at first): the cold run may import SQLAlchemy only,
    to compile, the warm run none of the heavy packages, and both answer alike. Returns that
    answer, exit code and document, the keys ``drop`` removed from it (each must be there:
    a timing, say, that differs from run to run) for the caller to compare with the Typer
    path's."""
    cold = _lean_run(words, cache)
    warm = _lean_run(words, cache)
    assert cold[2] == ["sqlalchemy"]  # compiled once, by SQLAlchemy
    assert warm[2] == []
    for _, document, _ in (cold, warm):
        for key in drop:
            document.pop(key)
    assert cold[:2] == warm[:2]
    return cold[0], cold[1]
