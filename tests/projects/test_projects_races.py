"""Concurrent status changes of one project on PostgreSQL, through a real server: the row lock
in ``update_project`` makes them run one after another, so the audit trail is one valid chain of
transitions ending in the stored status, and identical changes write one audit row."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from tests.projects.project_helpers import Factory, audit_rows, stored_project
from tests.roster.conftest import RosterWorld, bearer, build_worlds
from tests.roster.race_server import Call, assert_only, burst, served, statuses

pytestmark = pytest.mark.postgres_only

ALLOWED = {
    ("draft", "active"),
    ("draft", "archived"),
    ("active", "completed"),
    ("completed", "active"),
    ("completed", "archived"),
}


@pytest.fixture
def base(db_url: str, backend: str, tmp_path: Path) -> Iterator[str]:
    if backend != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises every writer)")
    with served(db_url, tmp_path / "serve.log") as url:
        yield url


@pytest.fixture
def worlds(session_factory: Factory) -> RosterWorld:
    return build_worlds(session_factory, "north", "south")


def _patches(worlds: RosterWorld, bodies: list[dict[str, Any]]) -> list[Call]:
    headers = bearer(worlds.north, "teacher")
    path = f"/projects/{worlds.north_project.id}"
    return [Call("PATCH", path, headers, body) for body in bodies]


def test_identical_status_changes_write_one_audit_row(
    base: str, worlds: RosterWorld, session_factory: Factory
) -> None:
    answers = burst(base, _patches(worlds, [{"status": "completed"}] * 8))
    assert statuses(answers) == {200: 8}
    assert {answer.body["status"] for answer in answers} == {"completed"}
    rows = audit_rows(session_factory, worlds.north_project.id)
    assert [(row["action"], row["changes"]) for row in rows] == [
        ("project.status", {"from": "active", "to": "completed"})
    ]


def test_conflicting_status_changes_leave_one_valid_chain(
    base: str, worlds: RosterWorld, session_factory: Factory
) -> None:
    bodies = [{"status": "completed"}, {"status": "archived"}, {"status": "active"}] * 3
    answers = burst(base, _patches(worlds, bodies))
    assert_only(answers, {200, 409})
    chain = [row["changes"] for row in audit_rows(session_factory, worlds.north_project.id)]
    assert chain, "the first completion always succeeds"
    assert chain[0]["from"] == "active"
    for step, following in pairwise(chain):
        assert step["to"] == following["from"], chain
    assert all((step["from"], step["to"]) in ALLOWED for step in chain), chain
    assert stored_project(session_factory, worlds.north_project.id)["status"] == chain[-1]["to"]
    # Every 200 answered the status it left the project in at that moment: one of the chain's.
    seen = {"active"} | {step["to"] for step in chain}
    assert {a.body["status"] for a in answers if a.status == 200} <= seen
