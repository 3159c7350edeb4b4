"""The roster tests' two-school world for the assessments tests: each school has a project
rubric ``*_rubric`` made by its ``teacher`` (per test: ``worlds`` with ``client``)."""

from __future__ import annotations

from tests.roster.conftest import (  # noqa: F401 (fixtures)
    settings,
    worlds,
)
