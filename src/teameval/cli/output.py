"""Output and database-URL helpers every command shares, in a leaf module: it imports nothing
heavy (no settings, ORM, FastAPI or, until a report is drawn, Rich), so the lean migration
commands and the rest of the CLI use the same helpers without either paying for the other."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def print_json(document: Any) -> None:
    """One JSON document on stdout."""
    sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")
    sys.stdout.flush()


def report_console() -> Console:
    """The console for a human report on stdout. Piped output goes to logs and tickets: wide
    enough that table rows stay on one line. No automatic highlighting: it would colour random
    parts of URLs and e-mail addresses."""
    from rich.console import Console

    return Console(highlight=False) if sys.stdout.isatty() else Console(width=160, highlight=False)


def normalise_database_url(url: str) -> str:
    """PostgreSQL URLs speak psycopg 3, as the settings' validator makes them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def resolve_database_url(option: str | None) -> str:
    """``--database-url``, else the environment read afresh (not the cached settings: one
    process may run many commands)."""
    if not option:
        # Imported here: the settings machinery costs start-up time a URL option never needs.
        from teameval.config import Settings

        return Settings().database_url
    return normalise_database_url(option)
