"""The migration commands' options read without Typer, for the invocations operators and scripts
actually type (``teameval audit enrollments --json --database-url …``).

Importing Typer costs about 0.15 s (its adapters import pydantic), a third of what is left of a
lean command's start-up once SQLAlchemy is gone (docs/benchmarks.md). So a command line made
only of a command's known options, each well-formed, runs the command directly; anything else
(``--help``, a typo, a bad number, an option given without its value) returns ``None`` and the
Typer app handles it as before, with its usual messages. ``tests/migration`` checks that these
tables name the Typer commands' options, types and limits exactly.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Option:
    parameter: str  # the command function's keyword
    kind: type[bool] | type[int] | type[str]
    minimum: int | None = None


_COMMON = {
    "--database-url": Option("database_url", str),
    "--school": Option("school", int),
    "--json": Option("json_output", bool),
    "--limit": Option("limit", int, minimum=0),
}
# (group, command) -> (module, function, options)
COMMANDS: Mapping[tuple[str, str], tuple[str, str, Mapping[str, Option]]] = {
    ("audit", "enrollments"): ("teameval.migration.phase1.commands", "audit", _COMMON),
    ("audit", "access"): ("teameval.migration.phase3.audit", "command", _COMMON),
    ("backfill", "enrollments"): (
        "teameval.migration.phase1.commands",
        "backfill",
        {
            **_COMMON,
            "--commit": Option("commit", bool),
            "--batch-size": Option("batch_size", int, minimum=0),
        },
    ),
}


def _value(option: Option, text: str) -> Any:
    if option.kind is str:
        return text
    number = int(text)  # ValueError: left to Typer's message
    if option.minimum is not None and number < option.minimum:
        raise ValueError(text)
    return number


def parse(argv: Sequence[str]) -> tuple[Callable[..., int], dict[str, Any]] | None:
    """The command and its keyword arguments, or None when Typer should read ``argv``."""
    if len(argv) < 2 or (argv[0], argv[1]) not in COMMANDS:
        return None
    module, function, options = COMMANDS[(argv[0], argv[1])]
    arguments: dict[str, Any] = {}
    words = list(argv[2:])
    while words:
        word = words.pop(0)
        name, given, inline = word.partition("=")
        option = options.get(name)
        if option is None:
            return None
        if option.kind is bool:
            if given:
                return None
            arguments[option.parameter] = True
            continue
        if not given:
            if not words or words[0].startswith("--"):
                return None
            inline = words.pop(0)
        try:
            arguments[option.parameter] = _value(option, inline)
        except ValueError:
            return None
    command: Callable[..., int] = getattr(importlib.import_module(module), function)
    return command, arguments


def run(argv: Sequence[str]) -> int | None:
    """Run the command ``argv`` names and return its exit code, or None (see :func:`parse`)."""
    parsed = parse(argv)
    if parsed is None:
        return None
    command, arguments = parsed
    return command(**arguments)
