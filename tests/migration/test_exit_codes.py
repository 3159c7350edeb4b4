"""Exit code 3: the tools could not run at all, said in one line on stderr (and, under --json,
one problem document on stdout)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from teameval.db import make_engine
from teameval.migration.phase1.probe import CouldNotRun, probe_enrollment_schema
from tests.migration.conftest import CliResult, cli
from tests.migration.dataset import load_crafted, table_contents

COMMANDS = [("audit",), ("backfill",), ("backfill", "--commit")]


def _run(command: tuple[str, ...], url: str) -> CliResult:
    tool, *flags = command
    return cli(tool, "enrollments", "--database-url", url, "--json", *flags)


def _assert_could_not_run(result: CliResult, *words: str) -> None:
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    # --json: exactly one document on stdout, the problem, saying what the stderr line says.
    assert json.loads(result.stdout) == {
        "type": "/problems/could-not-run",
        "title": "Could not run",
        "status": 503,
        "detail": lines[0].removeprefix("could not run: "),
        "exit_code": 3,
    }
    assert len(lines) == 1
    assert lines[0].startswith("could not run:")
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_table(empty_db_url: str, command: tuple[str, ...]) -> None:
    load_crafted(empty_db_url, legacy=True, then=["DROP TABLE group_members"])
    _assert_could_not_run(_run(command, empty_db_url), "group_members")


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_column(empty_db_url: str, command: tuple[str, ...]) -> None:
    load_crafted(empty_db_url, legacy=True, then=["ALTER TABLE users DROP COLUMN role"])
    _assert_could_not_run(_run(command, empty_db_url), "users.role")


@pytest.mark.parametrize("command", COMMANDS)
def test_empty_database(empty_db_url: str, command: tuple[str, ...]) -> None:
    if empty_db_url.startswith("sqlite"):
        Path(empty_db_url.removeprefix("sqlite:///")).touch()
    _assert_could_not_run(_run(command, empty_db_url), "does not exist")


@pytest.mark.parametrize("command", COMMANDS)
def test_unreachable_postgres(command: tuple[str, ...]) -> None:
    # A closed port on localhost: refused at once, no waiting on a timeout.
    _assert_could_not_run(_run(command, "postgresql://postgres@127.0.0.1:9/nowhere"), "9")


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_sqlite_file_is_not_created(tmp_path: Path, command: tuple[str, ...]) -> None:
    path = tmp_path / "typo.db"
    _assert_could_not_run(_run(command, f"sqlite:///{path}"), "does not exist")
    assert not path.exists()


def test_extra_enrollment_column_with_a_default_is_left_to_the_database(empty_db_url: str) -> None:
    load_crafted(
        empty_db_url,
        legacy=True,
        then=["ALTER TABLE course_enrollments ADD COLUMN source VARCHAR(20) NOT NULL DEFAULT 'x'"],
    )
    # A column with a default is fine: the database fills it.
    assert _run(("backfill", "--commit"), empty_db_url).exit_code == 0


def test_not_null_column_without_default_refuses_to_write(empty_db_url: str, backend: str) -> None:
    if backend == "sqlite":
        # SQLite cannot add a NOT NULL column without a default to a table: rebuild it.
        statements = [
            "ALTER TABLE course_enrollments RENAME TO old_enrollments",
            "CREATE TABLE course_enrollments (id INTEGER PRIMARY KEY, course_id INTEGER NOT NULL,"
            " student_id INTEGER NOT NULL, active BOOLEAN NOT NULL, term VARCHAR(10) NOT NULL,"
            " UNIQUE (course_id, student_id))",
            "INSERT INTO course_enrollments SELECT id, course_id, student_id, active, '2025' "
            "FROM old_enrollments",
            "DROP TABLE old_enrollments",
        ]
    else:
        statements = [
            "ALTER TABLE course_enrollments ADD COLUMN term VARCHAR(10)",
            "UPDATE course_enrollments SET term = '2025'",
            "ALTER TABLE course_enrollments ALTER COLUMN term SET NOT NULL",
        ]
    load_crafted(empty_db_url, legacy=True, then=statements)
    engine = make_engine(empty_db_url)
    with engine.connect() as connection:
        before = table_contents(connection)
    assert _run(("backfill",), empty_db_url).exit_code == 0  # a dry run still reports
    _assert_could_not_run(_run(("backfill", "--commit"), empty_db_url), "course_enrollments.term")
    assert _run(("audit",), empty_db_url).exit_code == 2
    with engine.connect() as connection:
        assert table_contents(connection) == before
    engine.dispose()


def test_probe_names_the_missing_table(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    with engine.connect() as connection, pytest.raises(CouldNotRun, match="'users'"):
        probe_enrollment_schema(connection)
    engine.dispose()
