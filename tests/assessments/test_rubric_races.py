"""Concurrent writers on PostgreSQL, through a real server: rubric edits and freezes run one
after another (the row lock in ``update_rubric``), so a stored criteria list is always exactly
one request's list, a stale If-Match is a 412, an edit after a freeze is a 409; and the first
PUTs of a grade policy never insert twice."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from teameval.assessments.rubrics.service import freeze_rubric
from teameval.audit_trail import Actor
from teameval.models import AuditLog, GradePolicyRow, Rubric, RubricCriterion
from tests.roster.conftest import RosterWorld, bearer, build_worlds
from tests.roster.race_server import Call, burst, served, statuses

pytestmark = pytest.mark.postgres_only
Factory = sessionmaker[Session]


@pytest.fixture
def base(db_url: str, backend: str, tmp_path: Path) -> Iterator[str]:
    if backend != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises every writer)")
    with served(db_url, tmp_path / "serve.log") as url:
        yield url


@pytest.fixture
def worlds(session_factory: Factory) -> RosterWorld:
    return build_worlds(session_factory, "north", "south")


def _criteria(factory: Factory, rubric_id: int) -> list[tuple[str, str]]:
    with factory() as session:
        rows = session.execute(
            sa.select(RubricCriterion.name, RubricCriterion.weight)
            .where(RubricCriterion.rubric_id == rubric_id)
            .order_by(RubricCriterion.position)
        ).all()
    return [(name, str(weight.normalize())) for name, weight in rows]


def test_concurrent_list_replacements_leave_exactly_one_list(
    base: str, worlds: RosterWorld, session_factory: Factory
) -> None:
    rubric_id = worlds.north_rubric.id
    headers = bearer(worlds.north, "teacher")
    bodies = [
        {"criteria": [{"name": f"R{i} A", "weight": str(i + 1)}, {"name": f"R{i} B"}]}
        for i in range(8)
    ]
    answers = burst(base, [Call("PATCH", f"/rubrics/{rubric_id}", headers, b) for b in bodies])
    assert statuses(answers) == {200: 8}
    stored = _criteria(session_factory, rubric_id)
    lists = [[(c["name"], c.get("weight", "1")) for c in body["criteria"]] for body in bodies]
    assert stored in lists
    with session_factory() as session:
        last = session.scalars(
            sa.select(AuditLog.changes)
            .where(AuditLog.action == "rubric.updated", AuditLog.entity_id == rubric_id)
            .order_by(AuditLog.id.desc())
            .limit(1)
        ).one()
    assert [(c["name"], c["weight"]) for c in last["criteria"]["added"]] == stored


def test_a_stale_if_match_is_412_for_all_but_one(
    base: str, worlds: RosterWorld, session_factory: Factory
) -> None:
    rubric_id = worlds.north_rubric.id
    headers = bearer(worlds.north, "teacher")
    etag = httpx.get(f"{base}/rubrics/{rubric_id}", headers=headers).headers["etag"]
    calls = [
        Call(
            "PATCH",
            f"/rubrics/{rubric_id}",
            {**headers, "If-Match": etag},
            {"title": f"Title {i}"},
        )
        for i in range(6)
    ]
    answers = burst(base, calls)
    assert statuses(answers) == {200: 1, 412: 5}
    (winner,) = [a for a in answers if a.status == 200]
    with session_factory() as session:
        assert session.get(Rubric, rubric_id).title == winner.body["title"]  # type: ignore[union-attr]
    assert all(a.body["etag"] != etag for a in answers if a.status == 412)


def test_an_edit_waiting_on_a_freeze_gets_409(
    base: str, worlds: RosterWorld, session_factory: Factory
) -> None:
    rubric_id = worlds.north_rubric.id
    headers = bearer(worlds.north, "teacher")
    outcome: dict[str, Any] = {}
    with session_factory() as session, session.begin():
        rubric = session.get(Rubric, rubric_id)
        assert rubric is not None
        freeze_rubric(session, Actor.command_line(rubric.school_id, "test"), rubric, "opened")

        def edit() -> None:
            outcome["response"] = httpx.patch(
                f"{base}/rubrics/{rubric_id}", json={"title": "Late"}, headers=headers, timeout=60
            )

        thread = threading.Thread(target=edit)
        thread.start()
        time.sleep(1.0)
        assert thread.is_alive(), "the edit must wait for the freeze's row lock"
    thread.join(timeout=60)
    response = outcome["response"]
    assert response.status_code == 409, response.text
    with session_factory() as session:
        stored = session.get(Rubric, rubric_id)
        assert stored is not None
        assert stored.title == "Projectrubric"
        assert stored.frozen_reason == "opened"


def test_first_policy_puts_insert_one_row(
    base: str, worlds: RosterWorld, session_factory: Factory
) -> None:
    headers = bearer(worlds.north, "admin")
    course = worlds.north.course.id
    bodies = [{"decimals": 2, "pass_grade": f"5.{i}0"} for i in range(1, 9)]
    calls = [Call("PUT", f"/courses/{course}/grade-policy", headers, b) for b in bodies]
    calls += [Call("PUT", "/grade-policy", headers, b) for b in bodies]
    answers = burst(base, calls)
    assert statuses(answers) == {200: 16}
    with session_factory() as session:
        rows = session.execute(
            sa.select(GradePolicyRow.course_id, GradePolicyRow.pass_grade).order_by(
                GradePolicyRow.id
            )
        ).all()
        chains = {
            key: [
                changes
                for (changes,) in session.execute(
                    sa.select(AuditLog.changes)
                    .where(AuditLog.action == f"grade_policy.{key}.set")
                    .order_by(AuditLog.id)
                )
            ]
            for key in ("course", "school")
        }
    assert sorted(course_id or 0 for course_id, _ in rows) == [0, course]
    for key, chain in chains.items():
        # One valid chain: the first inserts, each next starts where the previous ended.
        assert chain[0]["before"] is None
        for step, following in pairwise(chain):
            assert following["before"] == step["after"]
        stored = next(grade for cid, grade in rows if (cid is None) == (key == "school"))
        assert chain[-1]["after"]["pass_grade"] == str(stored.normalize())
