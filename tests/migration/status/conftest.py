"""Fixtures of the status tests: the statement cache and the ``cli`` helper of tests/migration."""

from __future__ import annotations

from tests.migration.conftest import _statement_cache

__all__ = ["_statement_cache"]
