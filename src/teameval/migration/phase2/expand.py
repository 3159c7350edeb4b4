"""Phase 2: `teameval ... expand` (being written)."""

from __future__ import annotations

from typing import Any


def command(*args: Any) -> int:
    raise NotImplementedError("expand")
