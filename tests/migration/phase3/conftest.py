"""Fixtures of the access audit's tests: its crafted data on each database shape."""

from __future__ import annotations

import pytest

from tests.migration.phase3.dataset import load_access


@pytest.fixture(params=["ours", "legacy"])
def shape(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def access_url(shape: str, backend: str, request: pytest.FixtureRequest) -> str:
    """The crafted access data on our migrated schema or on the legacy shape (``backend``
    requested so that the engine parametrisation applies to the fixture looked up here)."""
    if shape == "ours":
        return load_access(str(request.getfixturevalue("db_url")), legacy=False)
    return load_access(str(request.getfixturevalue("empty_db_url")), legacy=True)
