"""The lean path of the migration commands: what it reads from the command line without Typer,
the statements it keeps compiled between runs, and that a warm run imports neither SQLAlchemy
nor Typer while answering exactly what the Typer and SQLAlchemy path answers."""

from __future__ import annotations

import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import typer

from teameval.migration import argv
from teameval.migration.__main__ import typer_app
from teameval.migration.phase1 import queries
from teameval.migration.phase1.categories import Category
from teameval.migration.phase1.probe import probe_enrollment_schema
from teameval.migration.runner.batches import KeyRange
from teameval.migration.runner.query import Query
from teameval.migration.runner.statement_cache import compile_postgresql
from tests.migration.conftest import cli
from tests.migration.lean import assert_lean_start


def _typer_options(group: str, name: str) -> dict[str, argv.Option]:
    """The options of the Typer command, as the lean reader's table writes them (Typer keeps
    its own copy of click, so the types come from the command function's annotations)."""
    command = typer.main.get_command(typer_app()).commands[group].commands[name]  # type: ignore[attr-defined]
    hints = typing.get_type_hints(command.callback)
    options: dict[str, argv.Option] = {}
    for param in command.params:
        if param.name == "help":
            continue
        kinds = list(typing.get_args(hints[param.name]) or [hints[param.name]])
        kind = next(t for t in kinds if t in (bool, int, str))
        options[param.opts[0]] = argv.Option(param.name, kind, param.min)
    return options


@pytest.mark.parametrize("command", sorted(argv.COMMANDS))
def test_lean_options_are_the_typer_options(command: tuple[str, str]) -> None:
    assert dict(argv.COMMANDS[command][2]) == _typer_options(*command)


@pytest.mark.parametrize(
    "words",
    [
        ["audit", "enrollments", "--help"],
        ["audit", "enrollments", "--school", "x"],
        ["audit", "enrollments", "--limit", "-1"],
        ["audit", "enrollments", "--limit"],
        ["audit", "enrollments", "--database-url", "--json"],
        ["audit", "enrollments", "--commit"],
        ["audit", "enrollments", "--json=yes"],
        ["audit", "enrollments", "extra"],
        ["audit", "students"],
        ["backfill"],
    ],
)
def test_anything_unusual_is_left_to_typer(words: list[str]) -> None:
    assert argv.parse(words) is None


def test_usual_invocations_are_read_as_typer_reads_them() -> None:
    parsed = argv.parse(
        ["backfill", "enrollments", "--commit", "--batch-size=0", "--school", "3", "--json"]
    )
    assert parsed is not None
    assert parsed[1] == {"commit": True, "batch_size": 0, "school": 3, "json_output": True}


def _all_queries(schema: Any, values: int) -> list[Query]:
    """Every phase 1 query in each of its shapes, with values from ``values``."""
    made: list[Query] = []
    for school in (None, values):
        for members in ("students", "others"):
            made.append(queries.audit_counts(schema, school_id=school, members=members))
        for keys in (KeyRange(None, values), KeyRange(values, values * 2), KeyRange(values, None)):
            for category in Category:
                made.append(
                    queries.first_pairs(
                        schema, school_id=school, students=keys, category=category, limit=values
                    )
                )
            made.append(queries.category_totals(schema, school_id=school, students=keys))
            made.append(queries.postgres_backfill_batch(schema, school_id=school, students=keys))
        made.append(queries.category_totals(schema, school_id=school))
    made.append(queries.student_id_bounds(schema))
    made.append(queries.student_details(schema, range(values)))
    made.append(queries.course_details(schema, range(values)))
    return made


def test_a_query_key_fixes_its_sql_whatever_its_values(any_shape_url: str) -> None:
    """The statement cache reuses SQL by key, with new values: nothing that changes with the
    values may be in the SQL or in the constants kept with it."""
    engine = sa.create_engine(any_shape_url)
    with engine.connect() as connection:
        schema = probe_enrollment_schema(connection)
    engine.dispose()
    compile_: Callable[[Query], Any] = lambda query: compile_postgresql(query, (15, 0))  # noqa: E731
    for first, second in zip(_all_queries(schema, 3), _all_queries(schema, 7), strict=True):
        assert first.key == second.key
        assert compile_(first) == compile_(second), first.key


def test_warm_run_imports_neither_sqlalchemy_nor_typer(
    any_shape_url: str, backend: str, tmp_path: Path
) -> None:
    if backend != "postgresql":
        pytest.skip("the lean path is PostgreSQL's; SQLite runs through SQLAlchemy")
    url = any_shape_url.replace("postgresql://", "postgresql+psycopg://", 1)
    lean = assert_lean_start(tmp_path, "audit", "enrollments", "--json", "--database-url", url)
    typer_path = cli("audit", "enrollments", "--database-url", url, "--json")
    assert lean == (typer_path.exit_code, typer_path.json())
