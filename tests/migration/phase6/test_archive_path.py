"""Where `teameval legacy retire --commit` writes its archive without ``--archive``: the current
directory, as ``teameval-legacy-archive-<database>-<UTC time>.zip``, named in the dry run's and
the commit's output (human and JSON) so the operator knows where it is before and after.

The test runs in a directory of its own (``monkeypatch.chdir``): a retirement without
``--archive`` run from the repository would leave its archive there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.migration.phase6.support import run

NAME = re.compile(r"teameval-legacy-archive-(?P<database>[\w-]+)-\d{8}T\d{6}Z\.zip")


def database_name(url: str) -> str:
    parsed = sa.engine.make_url(url)
    return (
        Path(parsed.database or "").stem
        if parsed.get_backend_name() == "sqlite"
        else str(parsed.database)
    )


def test_without_archive_it_is_written_in_the_current_directory_and_named(
    ours_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, here = ours_url, tmp_path / "operator"
    here.mkdir()
    monkeypatch.chdir(here)
    assert run("legacy", "mode", "off", "--commit", "--database-url", url).exit_code == 0
    dry = run("legacy", "retire", "--database-url", url, "--json").json()
    named = Path(dry["archive_path"])
    assert named.parent == here
    found = NAME.fullmatch(named.name)
    assert found is not None, named.name
    assert found["database"] == database_name(url)
    human = run("legacy", "retire", "--database-url", url)
    # Rich folds a long path across lines: compare without the whitespace.
    compact = "".join(human.stdout.split())
    assert f"runagainwith`--commit`(archive:{here}/teameval-legacy-archive-" in compact
    assert list(here.iterdir()) == []  # a dry run writes nothing

    done = run("legacy", "retire", "--commit", "--database-url", url, "--json").json()
    assert done["status"] == "completed", done
    written = Path(done["archive"]["path"])
    assert written.parent == here
    assert NAME.fullmatch(written.name) is not None
    assert list(here.iterdir()) == [written]
    shown = run("legacy", "mode", "--database-url", url, "--json").json()["state"]
    assert shown["archive_name"] == str(written)
