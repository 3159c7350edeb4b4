"""Counting a command's reads of legacy data (``legacy_usage_counts``, kind ``read``, route
``"cli: <command>"``), as the middleware counts a request's.

A command wraps its work in ``counting_command`` and notes its school (``tally.note_caller``)
once it knows it. What the command read is written after its own transaction has ended, in one
short transaction of its own; a failing write is logged and changes nothing of the command's
outcome or exit code. The migration commands (audit, backfill, verify, retire, restore) read
the legacy tables with their own SQL, on purpose, and are not counted (docs/migration.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from teameval.roster.legacy.watch.counts import write_tally
from teameval.roster.legacy.watch.tally import Tally, tallying

log = logging.getLogger(__name__)


@contextmanager
def counting_command(name: str, database_url: str | None) -> Iterator[Tally]:
    tally = Tally(label=f"cli: {name}")
    try:
        with tallying(tally):
            yield tally
    finally:
        if tally.has_counts:
            _write(tally, database_url)


def _write(tally: Tally, database_url: str | None) -> None:
    from teameval.cli.output import resolve_database_url
    from teameval.db import make_engine

    engine = make_engine(resolve_database_url(database_url))
    try:
        write_tally(engine, tally)
    except Exception:
        log.warning("legacy watch: could not count the command's reads", exc_info=True)
    finally:
        engine.dispose()
