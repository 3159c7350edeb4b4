"""The order the suite's tests start in: the long-running ones (marked ``slow``) first.

pytest-xdist hands each worker consecutive chunks of the collection. A test of minutes collected
near the end (the OpenAPI fuzzer sits at about 83 % of it, the import-cycle check at 98 %) keeps
one worker busy long after the other has run out of work; started first, it overlaps with
everything else. The order is otherwise kept (a stable sort), so tests sharing a session
fixture's parameter stay together.
"""

from __future__ import annotations

import pytest

SLOW_MARKER = "slow"


class SlowFirst:
    """Registered by tests/conftest.py. Runs last of the collection hooks: after pytest has
    grouped the tests by their session fixtures' parameters and after the deselections (the
    conftest's legacy one, ``-m``), which keep counting what they left out."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        items.sort(key=lambda item: item.get_closest_marker(SLOW_MARKER) is None)
