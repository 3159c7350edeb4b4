"""The legacy mode the whole suite runs in: ``TEAMEVAL_TEST_LEGACY=on|off|retired``.

Issue 14 asks that every non-legacy route and page works unchanged with legacy groups off, and on
a database whose legacy tables were retired. Rather than a second copy of the suite, the same
suite runs again in that mode:

- ``on`` (the default): today's behaviour, every test runs.
- ``off``: ``TEAMEVAL_LEGACY_GROUPS=off`` is put in the environment before any test module is
  imported, so every ``Settings`` the tests build (fixtures, factories, ``create_app``), every
  in-process CLI run and every ``teameval`` subprocess reads it; xdist workers inherit it. A
  test that passes ``legacy_groups=`` itself keeps its own value.
- ``retired``: as ``off``, and each engine's migrated template is retired with the operator's
  commands (``teameval legacy mode off``, then ``teameval legacy retire --commit --archive``),
  so every ``db_url`` copy has no legacy tables or columns.

In ``off`` and ``retired`` the tests marked ``legacy`` (they exercise legacy groups on purpose)
are deselected here, whatever ``-m`` says, so a hand run cannot forget it; tests/test_suite_modes.py
keeps that list short and named.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Literal, cast

import pytest
import sqlalchemy as sa

MODE_ENV = "TEAMEVAL_TEST_LEGACY"
MODES = ("on", "off", "retired")
LegacyTestMode = Literal["on", "off", "retired"]
LEGACY_MARKER = "legacy"
# The legacy tables (and the legacy columns on other tables) a retirement removes.
LEGACY_TABLES = ("groups", "group_members")
# Fixtures that write legacy rows into our own schema, and why: a test using one exercises legacy
# groups as surely as a marked one (tests/test_suite_modes.py checks each fixture exists).
LEGACY_FIXTURES = {
    "crafted_url": "phase 1's crafted legacy teams in our schema (tests/migration/dataset.py)",
    "clean_url": "the same crafted legacy teams without the anomalies",
}
# Parametrised fixtures whose one value is our schema with legacy rows.
LEGACY_FIXTURE_VALUES = {
    ("any_shape_url", "ours"): "the crafted legacy teams in our schema",
    ("golden_url", "ours"): "phase 1's golden reports of the crafted legacy teams in our schema",
}
# Under xdist only the workers collect: each sends back how many legacy tests it left out.
DESELECTED_KEY = "teameval_legacy_deselected"
DESELECTED_STASH = pytest.StashKey[int]()


def legacy_test_mode() -> LegacyTestMode:
    value = os.environ.get(MODE_ENV, "on").strip().lower() or "on"
    if value not in MODES:
        raise pytest.UsageError(f"{MODE_ENV}={value!r}: expected one of {', '.join(MODES)}")
    return cast(LegacyTestMode, value)


def legacy_groups_off() -> bool:
    """Whether this run has legacy groups off: for the few tests that walk every route and
    leave the legacy ones out then (they answer 410; tests/roster/legacy covers that)."""
    return legacy_test_mode() != "on"


def switch_legacy_groups(mode: LegacyTestMode) -> None:
    """Legacy groups off for everything this process and its children build."""
    if mode != "on":
        os.environ["TEAMEVAL_LEGACY_GROUPS"] = "off"


def deselect_legacy_tests(
    config: pytest.Config, items: list[pytest.Item], mode: LegacyTestMode
) -> None:
    if mode == "on":
        return
    legacy = [item for item in items if is_legacy(item)]
    if hasattr(config, "workeroutput"):  # an xdist worker: the controller reports the count
        config.workeroutput[DESELECTED_KEY] = len(legacy)
    if not legacy:
        return
    config.hook.pytest_deselected(items=legacy)
    chosen = set(map(id, legacy))
    items[:] = [item for item in items if id(item) not in chosen]


def is_legacy(item: pytest.Item) -> bool:
    """Marked ``legacy``, using a fixture that writes legacy rows (``LEGACY_FIXTURES``), or a
    case of a route-table test (tests/roster/routes_table.py) whose
    route is a legacy one: those answer 410 with legacy groups off, which
    tests/roster/legacy and the deprecation tests check."""
    if item.get_closest_marker(LEGACY_MARKER):
        return True
    if set(getattr(item, "fixturenames", ())) & set(LEGACY_FIXTURES):
        return True
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return False
    if any(callspec.params.get(name) == value for name, value in LEGACY_FIXTURE_VALUES):
        return True
    from tests.roster.routes_table import Route  # here: it pulls in the roster fixtures

    return any(isinstance(value, Route) and value.legacy for value in callspec.params.values())


def record_worker_deselection(config: pytest.Config, workeroutput: dict[str, object]) -> None:
    """On the xdist controller: every worker collects the same tests, so any one's count."""
    count = workeroutput.get(DESELECTED_KEY)
    if isinstance(count, int):
        config.stash[DESELECTED_STASH] = count


def report_legacy_mode(reporter: pytest.TerminalReporter, mode: LegacyTestMode) -> None:
    """One line naming the mode and what ran, so a pass that skipped half is seen."""
    if mode == "on" and MODE_ENV not in os.environ:
        return
    keys = ("passed", "failed", "error", "skipped", "xfailed", "xpassed", "deselected")
    counts = {key: len(reporter.stats.get(key, [])) for key in keys}
    counts["deselected"] = max(counts["deselected"], reporter.config.stash.get(DESELECTED_STASH, 0))
    figures = ", ".join(f"{count} {key}" for key, count in counts.items() if count)
    reporter.write_line(f"{MODE_ENV}={mode}: {figures or 'nothing ran'}", bold=True)


def retire_template(
    url: str, mode: LegacyTestMode, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Retire a freshly migrated template the way an operator does, and check it took."""
    if mode != "retired":
        return
    archive = tmp_path_factory.mktemp("legacy-archive") / "legacy-archive.zip"
    _run_teameval("legacy", "mode", "off", "--commit", "--database-url", url)
    _run_teameval("legacy", "retire", "--commit", "--archive", str(archive), "--database-url", url)
    engine = sa.create_engine(url)
    try:
        left = set(LEGACY_TABLES) & set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    if left:
        raise RuntimeError(f"`teameval legacy retire` exited 0 but left {sorted(left)} in {url}")


def _run_teameval(*args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "teameval", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{MODE_ENV}=retired: `teameval {' '.join(args)}` exited {result.returncode}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}"
        )
