"""A statement as the runner executes it, on either database path (``database``).

A phase does not hand the runner a SQLAlchemy statement but a :class:`Query`: how to build it
(``build``, called only when the statement is not compiled yet, so a lean run never imports
SQLAlchemy), what makes its SQL text (``key``: the builder and its structural arguments) and
which of its bind parameters change from call to call (``values``, by name). Two queries with
the same key must compile to the same SQL whatever their values; ``tests/migration`` builds
every query twice with different values to prove it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlalchemy as sa

Key = tuple[str | int | bool | None, ...]


@dataclass(frozen=True)
class Query:
    key: Key
    build: Callable[[], sa.Executable]
    values: Mapping[str, Any] = field(default_factory=dict)
