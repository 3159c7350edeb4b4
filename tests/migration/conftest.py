"""Fixtures for the migration toolkit: the crafted data on our schema and on the legacy shape."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from teameval.cli import app
from teameval.db import make_engine
from teameval.migration.runner.statement_cache import CACHE_ENV
from tests.migration.dataset import load_crafted


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        document = json.loads(self.stdout)  # the whole of stdout is one JSON document
        assert isinstance(document, dict)
        return document


def cli(*args: str, env: Mapping[str, str] | None = None) -> CliResult:
    """The real ``teameval`` command, in-process."""
    result = CliRunner().invoke(app, list(args), env=dict(env or {}), catch_exceptions=False)
    return CliResult(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="session", autouse=True)
def _statement_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The compiled statements of these tests in a directory of their own, not ~/.cache."""
    previous = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("statement-cache"))
    yield
    if previous is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = previous


@pytest.fixture
def crafted_url(db_url: str) -> str:
    """Our migrated schema holding the crafted data (dataset.py)."""
    return load_crafted(db_url)


@pytest.fixture
def clean_url(db_url: str) -> str:
    """Our schema with the crafted data minus every anomaly."""
    return load_crafted(db_url, anomalies=False)


@pytest.fixture
def legacy_url(empty_db_url: str) -> str:
    """Only the legacy platform's tables (no school_id, no timestamps on enrollments)."""
    return load_crafted(empty_db_url, legacy=True)


@pytest.fixture(params=["ours", "legacy"])
def any_shape_url(request: pytest.FixtureRequest, backend: str) -> str:
    """The crafted data on each database shape in turn (``backend`` requested so that the
    engine parametrisation applies to the fixtures looked up dynamically)."""
    fixture = "crafted_url" if request.param == "ours" else "legacy_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture
def shape_engine(any_shape_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(any_shape_url)
    yield engine
    engine.dispose()
