"""Concurrent writes on PostgreSQL (SQLite runs one writer at a time anyway): two saves of one
form run one after another, and a save racing a close waits for it and is then refused, so no
rating lands in a closed evaluation. Each test holds one transaction open in the main thread
and shows the other one, in a thread, waiting for it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from teameval.access import Principal
from teameval.errors import Conflict
from teameval.models import PeerEvaluation, PeerRating, Role
from teameval.peer import evaluations, ratings
from teameval.peer.schemas import PeerEvaluationUpdate, RatingsPut
from tests.peer.api.conftest import PeerWorld, School, full_ratings

Factory = sessionmaker[Session]
TEAM1 = ["student", "ann", "bob", "cas"]


@pytest.fixture(autouse=True)
def _postgresql_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")


def _principal(school: School, who: str) -> Principal:
    user = school.students[who] if who in school.students else getattr(school.world, who)
    return Principal(user.id, school.world.school.id, Role(user.role), user.email, user.name)


def _in_thread(
    factory: Factory, work: Callable[[Session], Any]
) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            with factory.begin() as session:
                outcome["value"] = work(session)
        except Exception as error:  # the test reads it
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _save(school: School, evaluation_id: int, score: int) -> Callable[[Session], Any]:
    ann = _principal(school, "ann")
    body = RatingsPut.model_validate({"ratings": full_ratings(school, TEAM1, score)})
    return lambda session: ratings.save_ratings(session, ann, ann.actor, evaluation_id, body)


def test_two_saves_of_one_form_run_one_after_another(
    peer: PeerWorld, opened: int, session_factory: Factory
) -> None:
    north = peer.north
    with session_factory.begin() as session:
        _save(north, opened, 2)(session)
        thread, outcome = _in_thread(session_factory, _save(north, opened, 4))
        thread.join(0.5)
        assert thread.is_alive()  # waiting for the first save's transaction
    thread.join(10)
    assert "error" not in outcome, outcome
    with session_factory() as session:
        scores = session.scalars(
            sa.select(PeerRating.score).where(PeerRating.evaluation_id == opened)
        ).all()
    assert sorted(scores) == [4] * len(TEAM1) * len(north.criteria)


def test_a_save_racing_a_close_waits_and_is_refused(
    peer: PeerWorld, opened: int, session_factory: Factory
) -> None:
    north = peer.north
    teacher = _principal(north, "teacher")
    with session_factory.begin() as session:
        evaluation = session.get_one(PeerEvaluation, opened)
        evaluations.update_evaluation(
            session, teacher.actor, evaluation, PeerEvaluationUpdate(status="closed")
        )
        thread, outcome = _in_thread(session_factory, _save(north, opened, 3))
        thread.join(0.5)
        assert thread.is_alive()  # the save waits for the close
    thread.join(10)
    assert isinstance(outcome.get("error"), Conflict)
    assert "it is closed" in str(outcome["error"])
    with session_factory() as session:
        count = session.scalar(sa.select(sa.func.count()).where(PeerRating.evaluation_id == opened))
    assert count == 0
