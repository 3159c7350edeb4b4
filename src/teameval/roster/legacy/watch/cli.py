"""``teameval legacy usage`` (being built: issue 14)."""

from __future__ import annotations


def legacy_usage_command() -> None:
    """Legacy route calls and legacy data reads per route, school and day."""
