"""Phase 1's output, byte for byte: the human and JSON reports and exit codes of the audit and
the backfill on the crafted data, compared with files captured before the migration toolkit
became a generic runner (issue 8). Only what differs from run to run is normalised: the database
named in the report, elapsed seconds.

Regenerate (only when a change of output is intended, and say so in docs/migration.md):
``TEAMEVAL_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q -n 0 tests/migration/test_golden.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.migration.conftest import cli

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("TEAMEVAL_UPDATE_GOLDEN") == "1"

# One command line after the other on the same database: the commit changes what follows it.
SCRIPT = [
    ("audit", ("audit", "enrollments")),
    ("audit_json", ("audit", "enrollments", "--json")),
    ("audit_school_limit", ("audit", "enrollments", "--school", "2", "--limit", "1")),
    ("dry_run", ("backfill", "enrollments")),
    ("dry_run_json", ("backfill", "enrollments", "--json")),
    ("commit_json", ("backfill", "enrollments", "--commit", "--json", "--batch-size", "3")),
    ("audit_after", ("audit", "enrollments")),
    ("commit_again", ("backfill", "enrollments", "--commit")),
    ("audit_after_json", ("audit", "enrollments", "--json")),
]


def _normalise(text: str, url: str) -> str:
    shown = sa.engine.make_url(url).render_as_string(hide_password=True)
    text = text.replace(shown, "<DATABASE>")
    text = re.sub(r'"seconds": [0-9.]+', '"seconds": "<SECONDS>"', text)
    # The human report's "seconds" row: same width (always < 10 s here), so the table is kept.
    return re.sub(r"(\| seconds +\| +)\d\.\d\d", r"\1S.SS", text)


@pytest.fixture(params=["ours", "legacy"])
def golden_url(request: pytest.FixtureRequest, backend: str) -> Iterator[str]:
    """The crafted data; a SQLite file moves to a path of fixed length, because the report
    names the database and Rich wraps lines at a fixed width."""
    url = str(request.getfixturevalue("crafted_url" if request.param == "ours" else "legacy_url"))
    if backend != "sqlite":
        yield url
        return
    path = Path(tempfile.gettempdir()) / f"golden-{uuid.uuid4().hex[:12]}.db"
    shutil.copyfile(sa.engine.make_url(url).database or "", path)
    try:
        yield f"sqlite:///{path}"
    finally:
        path.unlink(missing_ok=True)


def test_phase1_output_is_unchanged(golden_url: str, request: pytest.FixtureRequest) -> None:
    url = golden_url
    backend, shape = request.node.callspec.id.split("-")[-2:]
    for name, args in SCRIPT:
        result = cli(*args, "--database-url", url)
        captured = (
            f"$ teameval {' '.join(args)}\nexit code {result.exit_code}\n"
            f"--- stdout\n{_normalise(result.stdout, url)}--- stderr\n"
            f"{_normalise(result.stderr, url)}"
        )
        path = GOLDEN / f"{backend}-{shape}-{name}.txt"
        if UPDATE:
            path.write_text(captured)
            continue
        assert captured == path.read_text(), f"{path.name} changed"
