"""Phase 3's Typer command (being built: issue 14)."""

from __future__ import annotations


def audit_access_command() -> None:
    """Compare, per (student, course), the legacy access decision with the enrollment's."""
