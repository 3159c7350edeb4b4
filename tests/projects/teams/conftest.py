"""The roster tests' two-school world (each ``student`` enrolled in ``course`` and in team 1 of
the active project ``*_project``), for the project team tests: per test (``worlds``, ``client``)
or one database per module (``shared_worlds``, ``shared_client``)."""

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
