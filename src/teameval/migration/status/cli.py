"""``teameval migration status`` (being built: issue 14)."""

from __future__ import annotations


def status_command() -> None:
    """Every phase of the migration, its gates with their figures, and the next command."""
