"""Whole rows of a table, as the database holds them, for "nothing changed" comparisons.

A retired database (the suite's retired pass, tests/legacy_modes.py) has no legacy columns:
``project_teams.team_id`` is gone while the model still maps it. Selecting the model's table
would name that column; these helpers select exactly the model's columns the database has, so a
test compares every stored value in every mode.
"""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session


def stored_columns(session: Session, model: type[Any]) -> list[sa.Column[Any]]:
    """The columns of ``model``'s table (in model order) that exist in the session's database."""
    table = cast(sa.Table, model.__table__)
    inspector = sa.inspect(session.connection())
    present = {column["name"] for column in inspector.get_columns(table.name)}
    return [column for column in table.columns if column.name in present]


def select_stored(session: Session, model: type[Any]) -> sa.Select[Any]:
    """``SELECT`` of every stored column of ``model``'s table; add ``where`` and ``order_by``."""
    return sa.select(*stored_columns(session, model))
