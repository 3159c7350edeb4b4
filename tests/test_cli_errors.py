"""Every command fails cleanly: exit 3 and one stderr line when the database is unreachable, and
under ``--json`` exactly one JSON document on stdout for every outcome.

The command list is generated from the Typer app, so a new command is covered without a change.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import typer

from teameval.cli import app
from teameval.config import get_settings
from tests.cli_helpers import run_cli, run_teameval

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/none"
ENV = {"TEAMEVAL_DATABASE_URL": UNREACHABLE, "TEAMEVAL_SECRET_KEY": "k" * 48}


# Commands that open no database server: `demo legacy PATH` writes a new SQLite file
# (tests/test_demo_legacy.py).
NO_DATABASE = {("demo", "legacy")}


def _commands(group: Any = None, prefix: tuple[str, ...] = ()) -> Iterator[tuple[Any, ...]]:
    group = group or typer.main.get_command(app)
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if hasattr(command, "commands"):
            if command.invoke_without_command:  # a group that is a command too (`demo`)
                yield path, command
            yield from _commands(command, path)
        elif path not in NO_DATABASE:
            yield path, command


COMMANDS = dict(_commands())


def _options(command: Any) -> set[str]:
    return {opt for param in command.params for opt in getattr(param, "opts", [])}


def _arguments(command: Any, csv: Path) -> list[str]:
    """Values for every required parameter, from its type: the command must reach the database."""
    args: list[str] = []
    for param in command.params:
        if not param.required:
            continue
        annotation = param.type_descriptor.annotation
        if isinstance(annotation, type) and issubclass(annotation, Enum):
            value = str(next(iter(annotation)).value)
        elif annotation is int:
            # The lowest value the option accepts (``--size`` starts at 2), so parsing passes.
            value = str(max(1, getattr(param, "min", None) or 1))
        elif param.name == "file":
            value = str(csv)
        else:
            value = "x"
        if param.param_type_name == "argument":
            args.append(value)
        else:
            args.extend([param.opts[0], value])
    if "--database-url" in _options(command):
        args.extend(["--database-url", UNREACHABLE])
    return args


@pytest.fixture
def csv(tmp_path: Path) -> Path:
    file = tmp_path / "students.csv"
    file.write_text("email,name\nada@example.org,Ada Lovelace\n")
    return file


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    # `serve` reads the cached settings; each test sets its own environment.
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_every_command_is_listed() -> None:
    names = {" ".join(path) for path in COMMANDS}
    assert {"serve", "demo", "db check", "db current", "import students"} <= names


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_unreachable_database_exits_3_with_one_line(
    path: tuple[str, ...], as_json: bool, csv: Path
) -> None:
    command = COMMANDS[path]
    takes_json = "--json" in _options(command)
    if as_json and not takes_json:
        pytest.skip("no --json option")
    args = [*path, *_arguments(command, csv), *(["--json"] if as_json else [])]
    result = run_cli(*args, input="a-password-for-the-prompt\n", env=ENV)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 3, (result.stdout, result.stderr)
    line = _one_line(result.stderr)
    assert "127.0.0.1" in line, line
    assert "port 1" in line, line
    if not as_json:
        assert result.stdout == ""
        return
    document = json.loads(result.stdout)  # exactly one document: json.loads refuses two
    assert document["status"] == 503
    assert document["detail"] in line


@pytest.mark.parametrize("path", [("serve",), ("db", "check"), ("db", "current")], ids=" ".join)
def test_unreachable_database_as_a_process(path: tuple[str, ...]) -> None:
    """As an operator runs it (issue 7: `db check` and `serve` printed a traceback, exit 1)."""
    result = run_teameval(*path, env=ENV)
    assert result.returncode == 3, result.stderr
    line = _one_line(result.stderr)
    assert line.startswith("error: cannot use the database:"), line
    assert result.stdout == ""


# --- one JSON document for every outcome ---------------------------------------------------


def _json_outcome(result: Any, code: int) -> dict[str, Any]:
    assert result.exit_code == code, (result.stdout, result.stderr)
    _one_line(result.stderr)
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_success_conflict_and_unexpected_error_each_print_one_document(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    create = ("schools", "create", "--slug", "north", "--name", "North", "--database-url", db_url)
    created = run_cli(*create, "--json")
    assert (created.exit_code, created.stderr) == (0, "")
    assert json.loads(created.stdout) == {"id": 1, "slug": "north", "name": "North"}

    conflict = _json_outcome(run_cli(*create, "--json"), 1)
    assert conflict == {
        "type": "/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "A school with slug 'north' already exists.",
    }

    from teameval.roster.accounts import service as accounts

    def broken(*_args: object) -> None:
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(accounts, "create_school", broken)
    unexpected = run_cli(*create[:3], "south", *create[4:], "--json")
    document = _json_outcome(unexpected, 1)
    assert document == {
        "type": "/problems/internal-error",
        "title": "Internal error",
        "status": 500,
        "detail": "unexpected RuntimeError: disk on fire (TEAMEVAL_DEBUG=1 shows why)",
    }
    assert unexpected.stderr.strip() == f"error: {document['detail']}"


def test_a_conflict_the_database_caught_is_exit_1_with_a_409_document(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from teameval.roster.accounts import service as accounts

    def racing(*_args: object) -> None:
        raise sa.exc.IntegrityError("INSERT …", {}, Exception("duplicate key"))

    monkeypatch.setattr(accounts, "create_school", racing)
    args = ("schools", "create", "--slug", "north", "--name", "N", "--database-url", db_url)
    document = _json_outcome(run_cli(*args, "--json"), 1)
    assert (document["status"], document["type"]) == (409, "/problems/conflict")
    text = run_cli(*args)
    assert (text.exit_code, text.stdout) == (1, "")
    assert _one_line(text.stderr) == f"error: {document['detail']}"


def test_a_command_that_cannot_start_prints_one_problem_document() -> None:
    """Failures before any database work (no password on stdin) keep the --json promise too."""
    args = ("users", "create", "--school", "x", "--role", "admin", "--email", "a@b.org")
    result = run_cli(*args, "--name", "A", "--json", input="", env=ENV)
    assert _json_outcome(result, 1) == {
        "type": "/problems/command-failed",
        "title": "Command failed",
        "status": 400,
        "detail": "no password on standard input",
    }
    assert result.stderr.strip() == "error: no password on standard input"
