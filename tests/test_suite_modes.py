"""The suite's legacy modes (tests/legacy_modes.py) do what they say, and skip only what they say.

The second pass of ``./dev test`` runs the non-legacy suite with legacy groups off on retired
databases. It proves something only if the mode really reaches the tests (settings, apps,
subprocesses, the databases) and if the tests it leaves out are few and known: every test marked
``legacy`` is listed here, with why it needs legacy groups, so marking one more is a visible
decision, never a quiet way to make the retired pass green.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from teameval.config import LegacyGroupsMode, Settings
from tests.cli_helpers import run_teameval
from tests.legacy_modes import (
    LEGACY_FIXTURE_VALUES,
    LEGACY_FIXTURES,
    LEGACY_TABLES,
    MODE_ENV,
    legacy_test_mode,
)

TESTS = Path(__file__).parent
ROOT = TESTS.parent

# Every use of the ``legacy`` marker: a module (its pytestmark) or one test, and why it needs
# legacy groups on. The retired pass leaves exactly these out.
LEGACY_MARKED: dict[str, str] = {
    # Whole modules.
    "tests/roster/legacy/test_groups_api.py": "the legacy team API itself",
    "tests/roster/legacy/test_off_mode.py": "compares the legacy tables (sets off itself)",
    "tests/roster/legacy/watch/test_shadow.py": "the shadow comparison runs only with legacy on",
    "tests/projects/teams/test_sources_groups.py": "the project team source copying legacy teams",
    "tests/migration/phase3/test_audit.py": "the access audit on legacy rows in our schema",
    "tests/migration/phase3/test_command.py": "the access audit command on legacy rows",
    "tests/migration/status/test_ours.py": "migration status of our schema with legacy rows",
    "tests/web/test_migration_page.py": "the migration page's phase 1-3 figures on legacy rows",
    "tests/test_schema_compare.py": "the models' legacy tables against the migrated schema",
    # Single tests, in modules whose other tests run in every mode.
    "tests/roster/legacy/watch/test_usage.py::"
    "test_a_known_sequence_counts_exactly_and_legacy_usage_shows_it": "counts legacy calls",
    "tests/projects/teams/test_sources_statements.py::"
    "test_sources_send_as_many_statements_for_60_students_as_for_10": "walks from-groups too",
    "tests/roster/courses/test_enrollment_invariant.py::test_enrollment_always_covers_membership": (
        "invariant 2: enrollments cover legacy memberships"
    ),
    "tests/roster/csv/test_export_api.py::test_export_is_an_excel_friendly_attachment": (
        "the export's team column"
    ),
    "tests/roster/csv/test_import_api.py::"
    "test_row_errors_name_the_line_and_make_the_commit_write_nothing": "rows with a team column",
    "tests/roster/csv/test_import_api.py::"
    "test_courses_column_is_the_exact_set_and_team_follows_it": "the import's team column",
    "tests/roster/csv/test_import_bad_input.py::test_team_numbers_past_the_column_are_row_errors": (
        "the import's team column"
    ),
    "tests/roster/students/test_students_api.py::"
    "test_create_normalises_and_returns_the_student_with_courses_and_teams": "a student's teams",
    "tests/roster/students/test_students_api.py::"
    "test_unknown_course_code_is_422_naming_it_and_creates_nothing": "sends teams with the courses",
    "tests/roster/students/test_students_api.py::"
    "test_patch_teams_is_the_complete_set_of_legacy_teams": "a student's teams",
    "tests/roster/teaching/test_teaching_api.py::"
    "test_roster_lists_active_enrollments_with_team_numbers_in_constant_queries": "team numbers",
    "tests/roster/teaching/test_teaching_api.py::"
    "test_team_number_moves_the_student_and_creates_the_team": "the legacy team route",
    "tests/roster/teaching/test_teaching_api.py::"
    "test_team_number_for_a_student_not_yet_in_the_course_enrolls_them": "the legacy team route",
    "tests/roster/test_integrity.py::"
    "test_a_racing_move_to_another_team_is_409_with_nothing_changed": "one legacy team per course",
    "tests/roster/test_integrity.py::test_two_teams_of_one_course_for_one_student_is_422": (
        "one active legacy team per course and student"
    ),
    "tests/test_openapi_paging.py::test_a_courses_legacy_teams_are_a_page": "the legacy team list",
    "tests/roster/legacy/watch/test_deprecation.py::"
    "test_every_legacy_route_sends_the_three_headers_whatever_it_answers": "legacy routes' 2xx",
    "tests/roster/legacy/watch/test_deprecation.py::"
    "test_the_values_come_from_the_settings": "a legacy route's 200 with settings of its own",
    "tests/roster/test_races.py::test_team_changes_to_ten_different_teams": "the legacy team route",
    "tests/roster/test_races.py::test_the_same_team_change_twenty_times": "the legacy team route",
    "tests/web/test_projects_sources.py::"
    "test_copy_from_groups_previews_then_makes_the_services_teams": "the from-groups page",
    "tests/roster/test_integrity.py::"
    "test_a_second_active_team_in_one_course_is_refused_by_the_database": "legacy team keys",
    "tests/roster/test_integrity.py::test_a_membership_names_its_own_group_s_course": (
        "a legacy membership's composite key"
    ),
    "tests/roster/test_integrity.py::test_a_team_made_twice_is_created_and_audited_once": (
        "a legacy team made by the student sync"
    ),
    "tests/roster/students/test_student_sync.py::"
    "test_creates_a_student_with_courses_and_team_and_audits_it": "a student's legacy team",
    "tests/roster/students/test_student_sync.py::"
    "test_leaving_a_course_ends_its_team_membership": "ends a legacy membership",
    "tests/roster/students/test_student_sync.py::test_moving_team_leaves_the_old_one": (
        "moves a student between legacy teams"
    ),
    "tests/roster/teaching/test_teaching_api.py::"
    "test_unenroll_deactivates_the_enrollment_and_the_course_memberships": (
        "invariant 2: unenrolling ends the legacy memberships"
    ),
    "tests/web/test_courses_roster.py::"
    "test_removing_a_student_ends_the_enrollment_and_their_teams": "ends legacy memberships",
    "tests/test_access.py::test_students_reach_courses_through_enrollments_never_through_groups": (
        "a legacy membership alone grants nothing"
    ),
    "tests/test_tenant_keys.py::test_cross_school_row_is_refused": (
        "only its legacy team case (pytest.param marks)"
    ),
    "tests/test_tenant_keys.py::test_cross_school_membership_is_refused": (
        "legacy memberships' school keys"
    ),
    "tests/test_suite_modes.py::test_a_marked_test_runs_with_legacy_groups_on": (
        "the sample this module's deselection test looks for"
    ),
}
# Besides the marks: each case of a route-table test whose route is one of these (legacy=True
# in tests/roster/routes_table.py) is left out too (tests/legacy_modes.is_legacy).
LEGACY_ROUTES = {
    "set team number",
    "list groups",
    "create group",
    "add group member",
    "remove group member",
    "project teams from groups",
}


def _marks_in(path: Path) -> list[str]:
    """The module (``path``) if its pytestmark names ``legacy``, and each test decorated with it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    relative = path.relative_to(ROOT).as_posix()
    found: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and _sets_pytestmark(node) and _names_legacy(node.value):
            found.append(relative)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and any(
            _names_legacy(decorator) for decorator in node.decorator_list
        ):
            found.append(f"{relative}::{node.name}")
    return found


def _sets_pytestmark(node: ast.Assign) -> bool:
    return any(
        isinstance(target, ast.Name) and target.id == "pytestmark" for target in node.targets
    )


def _names_legacy(node: ast.AST) -> bool:
    return any(
        isinstance(sub, ast.Attribute) and sub.attr == "legacy" and "mark" in ast.unparse(sub)
        for sub in ast.walk(node)
    )


def test_every_legacy_mark_is_listed_with_its_reason() -> None:
    marked = sorted(mark for path in sorted(TESTS.rglob("test_*.py")) for mark in _marks_in(path))
    assert marked == sorted(LEGACY_MARKED)


def test_the_legacy_list_stays_small() -> None:
    # Each module or test left out of the retired pass is listed above; a long list would mean
    # the pass proves little. Raise this only with a reason in the list.
    assert len(LEGACY_MARKED) <= 44


def test_the_legacy_fixtures_exist_and_are_few() -> None:
    """The fixtures whose tests are left out like marked ones: each is defined, with a reason."""
    defined = "".join(
        path.read_text(encoding="utf-8") for path in (TESTS / "migration").glob("*.py")
    )
    for name in [*LEGACY_FIXTURES, *(fixture for fixture, _ in LEGACY_FIXTURE_VALUES)]:
        assert f"def {name}(" in defined, name
    assert all(LEGACY_FIXTURES.values())
    assert all(LEGACY_FIXTURE_VALUES.values())
    assert len(LEGACY_FIXTURES) + len(LEGACY_FIXTURE_VALUES) <= 4


def test_only_the_legacy_routes_are_left_out_of_the_route_table_tests() -> None:
    from tests.roster.routes_table import ROUTES

    assert {route.name for route in ROUTES if route.legacy} == LEGACY_ROUTES


@pytest.mark.legacy
def test_a_marked_test_runs_with_legacy_groups_on() -> None:
    assert Settings(database_url="sqlite://").legacy_groups is LegacyGroupsMode.DUAL_WRITE


def test_the_mode_reaches_settings_and_subprocesses(settings: Settings) -> None:
    expected = LegacyGroupsMode.DUAL_WRITE if legacy_test_mode() == "on" else LegacyGroupsMode.OFF
    if legacy_test_mode() == "on" and "TEAMEVAL_LEGACY_GROUPS" in os.environ:
        pytest.skip("TEAMEVAL_LEGACY_GROUPS is set by hand outside the suite's modes")
    assert settings.legacy_groups is expected
    # What an operator's `teameval` process (a subprocess: the environment is inherited) sees.
    shown = run_teameval("legacy", "mode", "--json", "--database-url", settings.database_url)
    assert shown.returncode == 0, shown.stderr
    effective = {"on": "dual-write", "off": "off", "retired": "retired"}[legacy_test_mode()]
    assert json.loads(shown.stdout)["mode"] == effective


def test_each_database_copy_is_retired_only_in_the_retired_mode(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
        columns = {column["name"] for column in sa.inspect(engine).get_columns("project_teams")}
        with engine.connect() as connection:
            state = connection.execute(
                sa.text("SELECT mode, retired_at IS NOT NULL FROM legacy_state")
            ).all()
    finally:
        engine.dispose()
    if legacy_test_mode() == "retired":
        assert not set(LEGACY_TABLES) & tables
        assert "team_id" not in columns
        assert state == [("off", True)]
    else:
        assert set(LEGACY_TABLES) <= tables
        assert "team_id" in columns
        assert state == []


def _without_legacy_groups(environment: os._Environ[str]) -> dict[str, str]:
    return {key: value for key, value in environment.items() if key != "TEAMEVAL_LEGACY_GROUPS"}


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["on", "off", "retired"])
def test_marked_tests_are_left_out_only_with_legacy_groups_off(mode: str) -> None:
    sample = "tests/test_suite_modes.py::test_a_marked_test_runs_with_legacy_groups_on"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-n",
            "0",
            "-p",
            "no:cacheprovider",
            sample,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**_without_legacy_groups(os.environ), MODE_ENV: mode},
        timeout=300,
        check=False,
    )
    if mode == "on":
        assert result.returncode == 0, result.stdout + result.stderr
        assert sample in result.stdout
    else:
        assert result.returncode == 5, result.stdout + result.stderr
        assert "1 deselected" in result.stdout
        assert sample not in result.stdout
