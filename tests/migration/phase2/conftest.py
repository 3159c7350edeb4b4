"""Fixtures of the phase 2 tests: the crafted legacy database (dataset.py), before and after
expansion, on both engines (``empty_db_url`` is parametrised by ``backend``)."""

from __future__ import annotations

import pytest

from tests.migration.phase2.dataset import expand_and_map, load_crafted


@pytest.fixture
def crafted_legacy_url(empty_db_url: str) -> str:
    """The crafted legacy-shaped database, not expanded."""
    return load_crafted(empty_db_url)


@pytest.fixture
def mapped_url(crafted_legacy_url: str) -> str:
    """The crafted database expanded, with key (1, 3) mapped by hand (``expand_and_map``)."""
    return expand_and_map(crafted_legacy_url)
