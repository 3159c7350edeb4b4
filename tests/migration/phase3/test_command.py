"""`teameval audit access` as an operator runs it: exit codes 0, 2 and 3, the one-line refusal,
the human report, and the statements the lean path keeps compiled."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from teameval.migration.phase3 import queries
from teameval.migration.phase3.decisions import Decision
from teameval.migration.phase3.probe import probe_access_schema
from teameval.migration.runner.batches import KeyRange
from teameval.migration.runner.query import Query
from teameval.migration.runner.statement_cache import compile_postgresql
from tests.migration.conftest import CliResult, cli
from tests.migration.lean import assert_lean_start
from tests.migration.phase3.dataset import load_access

pytestmark = pytest.mark.legacy


def _audit(url: str, *options: str) -> CliResult:
    return cli("audit", "access", "--database-url", url, *options)


def _assert_could_not_run(result: CliResult, *words: str) -> None:
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("could not run:")
    assert json.loads(result.stdout) == {
        "type": "/problems/could-not-run",
        "title": "Could not run",
        "status": 503,
        "detail": lines[0].removeprefix("could not run: "),
        "exit_code": 3,
    }
    for word in words:
        assert word in lines[0]


def test_exit_2_while_someone_would_lose_access_then_0(access_url: str) -> None:
    assert _audit(access_url).exit_code == 2
    assert _audit(access_url, "--school", "2", "--json").exit_code == 2
    cli("backfill", "enrollments", "--database-url", access_url, "--school", "2", "--commit")
    # School 2 is closed; school 1 still has students who would lose access.
    assert _audit(access_url, "--school", "2", "--json").exit_code == 0
    assert _audit(access_url, "--json").exit_code == 2
    cli("backfill", "enrollments", "--database-url", access_url, "--commit")
    assert _audit(access_url).exit_code == 0
    assert _audit(access_url, "--json").exit_code == 0


@pytest.mark.parametrize(
    ("then", "words"),
    [
        ("DROP TABLE group_members", ("group_members",)),
        ("DROP TABLE course_enrollments", ("course_enrollments",)),
        ("ALTER TABLE users DROP COLUMN role", ("users.role",)),
    ],
)
def test_exit_3_names_what_is_missing(empty_db_url: str, then: str, words: tuple[str]) -> None:
    url = load_access(empty_db_url, legacy=True, then=(then,))
    _assert_could_not_run(_audit(url, "--json"), *words)
    text = _audit(url)
    assert (text.exit_code, text.stdout) == (3, "")
    assert text.stderr.startswith("could not run:")


def test_exit_3_on_an_unreachable_or_missing_database(tmp_path: Path) -> None:
    _assert_could_not_run(_audit("postgresql://postgres@127.0.0.1:9/nowhere", "--json"), "9")
    missing = tmp_path / "typo.db"
    _assert_could_not_run(_audit(f"sqlite:///{missing}", "--json"), "does not exist")
    assert not missing.exists()


def test_the_human_report_puts_the_worst_courses_first(access_url: str, shape: str) -> None:
    result = _audit(access_url, "--limit", "2")
    assert result.exit_code == 2
    assert result.stderr == ""
    lines = [" ".join(line.strip("|+ ").split()) for line in result.stdout.splitlines()]
    assert "Status: FAIL (exit code 2)" in lines
    assert lines[0].endswith(f"(all schools, {shape} schema)")
    for row in (
        "(student, course) pairs either model allows | 12",
        "agree | 4",
        "legacy only (would lose access) | 4",
        "enrollment only (would gain access) | 4",
        "anomalies: non-student members | 2",
        "anomalies: cross-school | 2",
        "archived students' pairs (no access either way) | 3",
    ):
        assert row in lines, row
    # --limit 2: the two worst of four courses, then a pointer to the rest.
    codes = {"OO-4A", "DB-4A", "OLD-1", "NET-1"}
    courses = [line for line in lines if line.split(" | ")[1:2] and line.split(" | ")[1] in codes]
    assert courses == ["10 | OO-4A | 1 | 1 | 2", "11 | DB-4A | 1 | 1 | 1"]
    assert "(2 more courses in --json)" in lines
    assert "Would lose access (first 2)" in lines
    assert "2 | Bob Student | user2@example.org | 10 (OO-4A) | eligible | missing" in lines
    assert "9 | Ivy Wronggroup | user9@example.org | 10 (OO-4A) | cross_school | active" in lines
    assert lines[-1] == "Next: close the legacy-only pairs, then audit again."


def test_the_human_report_of_a_passing_school(access_url: str) -> None:
    cli("backfill", "enrollments", "--database-url", access_url, "--commit")
    lines = _audit(access_url, "--school", "99").stdout.splitlines()
    assert "Status: PASS (exit code 0)" in lines
    assert lines[-1] == "Next: nobody loses access: access can read enrollments only."


def _all_queries(schema: Any, values: int) -> list[Query]:
    made: list[Query] = [queries.user_id_bounds(schema)]
    for school in (None, values):
        made.append(queries.course_counts(schema, school_id=school))
        for keys in (KeyRange(None, values), KeyRange(values, values * 2), KeyRange(values, None)):
            for decision in (Decision.LEGACY_ONLY, Decision.ENROLLMENT_ONLY):
                made.append(
                    queries.first_pairs(
                        schema, school_id=school, students=keys, decision=decision, limit=values
                    )
                )
    return made


def test_a_query_key_fixes_its_sql_whatever_its_values(access_url: str) -> None:
    """The statement cache reuses SQL by key with new values (tests/migration/test_lean_start)."""
    engine = sa.create_engine(access_url)
    with engine.connect() as connection:
        schema = probe_access_schema(connection)
    engine.dispose()
    compile_: Callable[[Query], Any] = lambda query: compile_postgresql(query, (15, 0))  # noqa: E731
    for first, second in zip(_all_queries(schema, 3), _all_queries(schema, 7), strict=True):
        assert first.key == second.key
        assert compile_(first) == compile_(second), first.key


def test_a_warm_run_imports_neither_sqlalchemy_nor_typer(
    access_url: str, backend: str, tmp_path: Path
) -> None:
    if backend != "postgresql":
        pytest.skip("the lean path is PostgreSQL's; SQLite runs through SQLAlchemy")
    url = access_url.replace("postgresql://", "postgresql+psycopg://", 1)
    lean = assert_lean_start(
        tmp_path, "audit", "access", "--json", "--database-url", url, drop=("seconds",)
    )
    typer_path = _audit(url, "--json").json()
    typer_path.pop("seconds")
    assert lean == (2, typer_path)
