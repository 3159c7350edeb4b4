"""Phase 6's databases: teameval's schema with its legacy tables (in every legacy pass of the
suite), holding settled legacy data, and a contracted legacy-shaped one."""

from __future__ import annotations

import pytest

from teameval import schema as teameval_schema
from tests.legacy_modes import legacy_test_mode
from tests.migration.conftest import cli
from tests.migration.phase6.support import build_ours, enroll_legacy_students


@pytest.fixture
def migrated_url(request: pytest.FixtureRequest, backend: str) -> str:
    """A database at migration head with its legacy tables: the suite's ``db_url``, or in the
    retired pass (whose templates are retired) a database of its own, migrated here."""
    if legacy_test_mode() != "retired":
        return str(request.getfixturevalue("db_url"))
    url = str(request.getfixturevalue("empty_db_url"))
    teameval_schema.upgrade(url)
    return url


@pytest.fixture
def ours_url(migrated_url: str) -> str:
    build_ours(migrated_url)
    return migrated_url


@pytest.fixture
def contracted_legacy_url(empty_db_url: str) -> str:
    """The phase 2 contract tests' legacy database, contracted, with its students enrolled."""
    from tests.migration.phase2.test_contract import build

    url = build(empty_db_url)
    assert cli("contract", "assessments", "--commit", "--database-url", url).exit_code == 0
    enroll_legacy_students(url)
    return url
