"""The migration history builds the models' schema on both engines and enforces its keys."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from teameval import schema
from teameval.errors import SchemaOutOfDate


def test_database_is_at_head_and_matches_models(db_url: str, engine: sa.Engine) -> None:
    assert schema.current_revision(engine) == schema.head_revision()
    schema.check(db_url)  # raises when models and migrations drift
    schema.ensure_up_to_date(engine)


def test_empty_database_is_refused_with_the_command_to_run(empty_db_url: str) -> None:
    from teameval.db import make_engine

    engine = make_engine(empty_db_url)
    with pytest.raises(SchemaOutOfDate, match="teameval db upgrade"):
        schema.ensure_up_to_date(engine)
    engine.dispose()
