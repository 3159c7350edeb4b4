"""Phase 2: `teameval ... backfill` (being written)."""

from __future__ import annotations

from typing import Any


def command(*args: Any) -> int:
    raise NotImplementedError("backfill")
