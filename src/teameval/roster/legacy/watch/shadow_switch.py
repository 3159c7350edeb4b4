"""Whether the shadow comparison runs: only while legacy groups are on, and never against a
database whose legacy tables are gone (the shadow's legacy column would fail the request).

``TEAMEVAL_LEGACY_GROUPS`` (``adapter.is_on``) is read per request; the database's own state
(``teameval legacy mode`` / ``retire``: ``migration.phase6.state.effective_legacy_mode``) costs a
query, so it is re-read at
most every ``RECHECK_SECONDS`` per process, never per request. Retiring requires legacy groups
off in the configuration, which stops the shadow at once; the database check covers a
configuration that disagrees with the database.
"""

from __future__ import annotations

import logging
import threading
import time

import sqlalchemy as sa

from teameval.config import Settings
from teameval.roster.legacy.adapter import is_on

RECHECK_SECONDS = 60.0
log = logging.getLogger(__name__)


def database_mode(connection: sa.Connection, settings: Settings) -> str:
    """``dual-write``, ``off`` or ``retired``, as the database says."""
    from teameval.migration.phase6.state import effective_legacy_mode

    return str(effective_legacy_mode(connection, settings))


class ShadowSwitch:
    """One app's answer to "shadow this request?", with the database's part cached."""

    def __init__(self, engine: sa.Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._database_on: bool | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def needs_check(self) -> bool:
        return self._database_on is None or time.monotonic() - self._checked_at >= RECHECK_SECONDS

    def check(self) -> None:
        """Re-read the database's mode (in a worker thread: it queries). A database that cannot
        say is treated as off: no shadow is better than failing requests."""
        with self._lock:
            if not self.needs_check():
                return
            try:
                with self.engine.connect() as connection:
                    on = database_mode(connection, self.settings) == "dual-write"
            except Exception:  # any failure means: do not shadow
                log.warning("legacy watch: could not read the legacy mode", exc_info=True)
                on = False
            self._database_on = on
            self._checked_at = time.monotonic()

    def forget(self) -> None:
        """Re-read the database's mode on the next request (after ``teameval legacy mode``)."""
        self._database_on = None

    @property
    def on(self) -> bool:
        return is_on(self.settings) and bool(self._database_on)
