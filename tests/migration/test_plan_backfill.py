"""``plan_backfill``: the dry run on a connection the caller holds (the web UI's migration page)
reports exactly what ``backfill enrollments`` without ``--commit`` reports, and writes nothing."""

from __future__ import annotations

from typing import Any

from teameval.db import make_engine
from teameval.migration.phase1.backfill import plan_backfill
from tests.migration.conftest import cli
from tests.migration.dataset import table_contents

# What differs between two runs by nature, not by what they found.
VARYING = ("seconds",)


def _without_timing(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in VARYING}


def test_the_plan_is_the_cli_dry_run(any_shape_url: str) -> None:
    for args, kwargs in (
        ((), {}),
        (("--batch-size", "4"), {"batch_size": 4}),
        (("--school", "1"), {"school_id": 1}),
    ):
        dry_run = cli("backfill", "enrollments", "--database-url", any_shape_url, "--json", *args)
        engine = make_engine(any_shape_url)
        with engine.connect() as connection:
            before = table_contents(connection)
            planned = plan_backfill(connection, **kwargs)
            assert table_contents(connection) == before
        engine.dispose()
        assert planned.dry_run
        assert planned.tally.created == 0
        assert _without_timing(planned.to_json()) == _without_timing(dry_run.json()), args
        assert planned.tally.to_create + planned.tally.to_reactivate > 0 or kwargs
