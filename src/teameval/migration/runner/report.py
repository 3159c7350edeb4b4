"""What every migration command's outcome shares: the exit codes and the ways a report is
printed (exactly one JSON document with ``--json``, else a human report)."""

from __future__ import annotations

# Audits: 0 PASS, 1 WARNING, 2 FAIL; writers: 0 done (or a dry run), 2 a batch failed;
# every command: 3 could not run at all (one line on stderr).
EXIT_OK = 0
EXIT_WARNING = 1
EXIT_FAILED = 2
EXIT_COULD_NOT_RUN = 3


def display_url(url: str) -> str:
    """The database as a report names it: never with its password."""
    import sqlalchemy as sa  # only a human report names the database

    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<invalid URL>"
