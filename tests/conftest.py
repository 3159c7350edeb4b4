"""Fixtures shared by the whole suite: a real database per test, on both engines.

Every test that takes ``db_url`` (or anything built on it) runs twice: ``[sqlite]`` and
``[postgresql]``. Without a reachable PostgreSQL the PostgreSQL half is skipped locally, and
fails under ``CI=true``.

``TEAMEVAL_TEST_LEGACY`` (``on``, the default; ``off``; ``retired``) chooses the legacy mode the
whole suite runs in (see tests/legacy_modes.py): with ``off`` and ``retired`` every settings,
app and ``teameval`` subprocess the tests build has legacy groups off, ``retired`` also retires
the legacy tables of each migrated template, and the tests marked ``legacy`` are deselected.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval import schema
from teameval.api import create_app
from teameval.config import Settings
from teameval.db import make_engine, make_session_factory
from teameval.models import CourseEnrollment
from tests.browser.chromium import MISSING, find_chromium
from tests.databases import (
    postgres_unreachable_reason,
    throwaway_postgres,
    throwaway_sqlite,
)
from tests.factories import PASSWORD, SchoolWorld, make_world
from tests.legacy_modes import (
    deselect_legacy_tests,
    legacy_test_mode,
    record_worker_deselection,
    report_legacy_mode,
    retire_template,
    switch_legacy_groups,
)
from tests.run_order import SlowFirst

BACKENDS = ["sqlite", "postgresql"]


def pytest_configure(config: pytest.Config) -> None:
    # Before any test module is imported, so every Settings and subprocess sees the mode.
    switch_legacy_groups(legacy_test_mode())
    config.pluginmanager.register(SlowFirst(), "teameval-slow-first")
    reason = postgres_unreachable_reason()
    config.stash[_POSTGRES_DOWN] = reason
    if reason and os.environ.get("CI", "").lower() == "true":
        raise pytest.UsageError(f"CI requires PostgreSQL: {reason}")
    # The browser tests (tests/browser) need Chromium: the same rule, decided here, where the
    # run starts (a conftest further down is not loaded by xdist's controller).
    config.stash[_CHROMIUM_MISSING] = None if find_chromium() else MISSING
    if config.stash[_CHROMIUM_MISSING] and os.environ.get("CI", "").lower() == "true":
        raise pytest.UsageError(f"CI requires Chromium for the browser tests. {MISSING}")


_POSTGRES_DOWN = pytest.StashKey[str | None]()
_CHROMIUM_MISSING = pytest.StashKey[str | None]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    deselect_legacy_tests(config, items, legacy_test_mode())


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    record_worker_deselection(node.config, getattr(node, "workeroutput", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    report_legacy_mode(terminalreporter, legacy_test_mode())


def pytest_unconfigure(config: pytest.Config) -> None:
    # The last line of the run, after pytest's own summary, so nobody mistakes half for all.
    reason = config.stash.get(_POSTGRES_DOWN, None)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reason and reporter is not None and not hasattr(config, "workerinput"):
        reporter.write_line(
            f"NOTE: the PostgreSQL half of the suite was SKIPPED ({reason}).", yellow=True
        )
    chromium = config.stash.get(_CHROMIUM_MISSING, None)
    if chromium and reporter is not None and not hasattr(config, "workerinput"):
        reporter.write_line(f"NOTE: {chromium}.", yellow=True)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        reason = request.config.stash.get(_POSTGRES_DOWN, None)
        if reason:
            pytest.skip(reason)
    return str(request.param)


@pytest.fixture(scope="session")
def _migrated_template(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database at migration head, copied by every test that wants a migrated one."""
    if backend == "sqlite":
        directory = tmp_path_factory.mktemp("template")
        with throwaway_sqlite(directory) as url:
            schema.upgrade(url)
            retire_template(url, legacy_test_mode(), tmp_path_factory)
            yield str(make_engine(url).url.database)
        return
    with throwaway_postgres() as url:
        schema.upgrade(url)
        retire_template(url, legacy_test_mode(), tmp_path_factory)
        yield str(sa.engine.make_url(url).database)


@pytest.fixture
def db_url(backend: str, _migrated_template: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database at migration head, dropped after the test."""
    if backend == "sqlite":
        with throwaway_sqlite(tmp_path, template=Path(_migrated_template)) as url:
            yield url
        return
    with throwaway_postgres(template=_migrated_template) as url:
        yield url


@pytest.fixture
def empty_db_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database with no tables at all (for legacy-shaped fixtures)."""
    if backend == "sqlite":
        with throwaway_sqlite(tmp_path) as url:
            yield url
        return
    with throwaway_postgres() as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, secret_key="test-secret-key-" + "x" * 32)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def two_schools(session_factory: sessionmaker[Session]) -> tuple[SchoolWorld, SchoolWorld]:
    """Two schools with identical shapes: ``north`` (the caller's) and ``south`` (another)."""
    with session_factory.begin() as session:
        north = make_world(session, "north")
        south = make_world(session, "south")
        for world in (north, south):
            session.add(
                CourseEnrollment(
                    school_id=world.school.id,
                    course_id=world.course.id,
                    student_id=world.student.id,
                )
            )
    return north, south


def login(client: TestClient, school: str, email: str, password: str = PASSWORD) -> dict[str, str]:
    """Bearer headers for a user, through the real login route."""
    response = client.post(
        "/api/v1/auth/login", json={"school": school, "email": email, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
