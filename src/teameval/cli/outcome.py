"""How every command ends: one line on stderr for a failure, one JSON document under ``--json``.

The root command's group (``OutcomeGroup``) notes whether ``--json`` was asked for and catches
whatever a command raises, so no command prints a traceback or, under ``--json``, an empty or
second document:

* a domain error (``AppError``) or a conflict: exit 1, ``error: …``, its problem document;
* the database unreachable, busy or timed out: exit 3, ``error: cannot use the database: …``,
  a 503 problem document;
* an unexpected error: exit 1, ``error: unexpected …`` (``TEAMEVAL_DEBUG=1`` raises it
  instead), a 500 problem document.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperGroup

from teameval.config import ConfigurationError
from teameval.db_errors import as_app_error, first_line
from teameval.errors import AppError, ServiceUnavailable, problem_document

EXIT_DOMAIN = 1
EXIT_DATABASE = 3

error_console = Console(stderr=True)


class _Output:
    """Per invocation: was ``--json`` asked for, and has a document been printed yet."""

    json_requested = False
    documents = 0


_output = _Output()


def emit_json(data: Any) -> None:
    """Print one JSON document on stdout (the only way commands print JSON)."""
    _output.documents += 1
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = EXIT_DOMAIN, problem: dict[str, Any] | None = None) -> NoReturn:
    """End the command: one line on stderr; under ``--json`` a problem document on stdout
    unless the command already printed its one document."""
    if _output.json_requested and _output.documents == 0:
        emit_json(
            problem or problem_document("/problems/command-failed", "Command failed", 400, message)
        )
    line = " ".join(message.split())
    error_console.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def fail_with(error: AppError, code: int = EXIT_DOMAIN) -> NoReturn:
    fail(error.detail, code, error.to_problem())


def fail_database(error: SQLAlchemyError) -> NoReturn:
    """The database could not be used (exit 3), or refused a change (exit 1)."""
    problem = as_app_error(error)
    if isinstance(problem, ServiceUnavailable) or problem is None:
        unavailable = ServiceUnavailable(f"cannot use the database: {first_line(error)}")
        fail_with(unavailable, EXIT_DATABASE)
    fail_with(problem)


def _unexpected(error: BaseException) -> NoReturn:
    if os.environ.get("TEAMEVAL_DEBUG"):
        raise error
    message = f"unexpected {type(error).__name__}: {first_line(error)} (TEAMEVAL_DEBUG=1 shows why)"
    problem = problem_document("/problems/internal-error", "Internal error", 500, message)
    fail(message, EXIT_DOMAIN, problem)


def _json_requested(args: list[str]) -> bool:
    options = args[: args.index("--")] if "--" in args else args
    return "--json" in options


class OutcomeGroup(TyperGroup):
    """The root group: every command's failure ends in ``fail`` (above)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _output.json_requested = _json_requested(args)
        _output.documents = 0
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except AppError as error:
            fail_with(error)
        except SQLAlchemyError as error:
            fail_database(error)
        except ConfigurationError as error:
            fail(str(error))
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as error:
            if type(error).__module__.startswith(("click", "typer")):
                raise  # usage errors: Click reports them itself (exit 2)
            _unexpected(error)
