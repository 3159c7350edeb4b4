"""Phase 6's Typer commands (being built: issue 14)."""

from __future__ import annotations


def retire_command() -> None:
    """Check every gate, archive the legacy tables and columns, then remove them."""


def restore_command() -> None:
    """Bring the legacy tables, columns and rows back from an archive."""


def mode_command() -> None:
    """Show or set the legacy mode the database holds."""
