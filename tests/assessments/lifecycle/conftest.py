"""The roster tests' two-school world (each with a draft assessment ``*_assessment`` of its
project against its rubric), per test or one database per module."""

from __future__ import annotations

from tests.roster.conftest import (  # noqa: F401 (fixtures)
    settings,
    shared_client,
    shared_db_url,
    shared_engine,
    shared_session_factory,
    shared_worlds,
    worlds,
)
