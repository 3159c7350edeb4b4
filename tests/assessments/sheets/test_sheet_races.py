"""Concurrent saves of one score sheet through a real server on PostgreSQL: the link row's lock
serialises them, so the database never holds two team scores (or overrides) for one key, every
answer is a 200 or a 412 (never a 5xx), and with one shared ``If-Match`` exactly one wins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.assessments.sheets.scene import Scene, build_scene, link_row, score_rows
from tests.roster.conftest import API, RosterWorld, bearer
from tests.roster.race_server import Call, assert_only, burst, served, statuses

pytestmark = pytest.mark.postgres_only
Factory = sessionmaker[Session]
RACERS = 12


@pytest.fixture
def base(db_url: str, backend: str, tmp_path: Path) -> Iterator[str]:
    if backend != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises every writer)")
    with served(db_url, tmp_path / "serve.log") as url:
        yield url


def _body(scene: Scene, score: int, racer: int) -> dict[str, Any]:
    c1, c2 = scene.criteria
    return {
        "scores": [
            {"criterion_id": c1, "score": score, "comment": f"tab {score}"},
            {"criterion_id": c2, "score": 6 - score},
        ],
        "overrides": [
            {
                "student_id": scene.student_id,
                "criterion_id": c2,
                "score": score,
                "reason": f"reden {score}",
            }
        ],
        "comment": f"opmerking {racer}",
    }


def _rows_of(scene: Scene, body: dict[str, Any], school: int, rubric: int) -> list[Any]:
    team = scene.team_id
    rows = [
        (team, row["criterion_id"], None, row["score"], row.get("comment"), None, rubric, school)
        for row in body["scores"]
    ] + [
        (
            team,
            row["criterion_id"],
            row["student_id"],
            row["score"],
            None,
            row["reason"],
            rubric,
            school,
        )
        for row in body["overrides"]
    ]
    return sorted(rows, key=repr)


def test_one_if_match_many_tabs_one_wins(
    worlds: RosterWorld, session_factory: Factory, base: str
) -> None:
    scene = build_scene(session_factory, worlds)
    path = scene.sheet.removeprefix(API)
    headers = {
        **bearer(worlds.north, "teacher"),
        "If-Match": f'"sheet-{scene.assessment_id}-{scene.team_id}-0"',
    }
    bodies = [_body(scene, 1 + i % 5, i) for i in range(RACERS)]
    answers = burst(base, [Call("PUT", path, headers, body) for body in bodies])
    assert_only(answers, {200, 412})
    assert statuses(answers) == {200: 1, 412: RACERS - 1}
    (winner,) = [answer for answer in answers if answer.status == 200]
    for loser in answers:
        if loser.status == 412:
            assert loser.body["etag"] == f'"sheet-{scene.assessment_id}-{scene.team_id}-1"'
    school, rubric = worlds.north.school.id, worlds.north_rubric.id
    assert score_rows(session_factory, scene.assessment_id) == _rows_of(
        scene, winner.call.json, school, rubric
    )
    assert link_row(session_factory, scene.assessment_id, scene.team_id) == (
        True,
        winner.call.json["comment"],
        1,
    )


def test_saves_without_if_match_serialise_without_duplicates(
    worlds: RosterWorld, session_factory: Factory, base: str
) -> None:
    scene = build_scene(session_factory, worlds)
    path = scene.sheet.removeprefix(API)
    headers = bearer(worlds.north, "teacher")
    # Every body has its own comment, so every save changes the sheet.
    bodies = [_body(scene, 1 + i % 5, i) for i in range(RACERS)]
    answers = burst(base, [Call("PUT", path, headers, body) for body in bodies])
    assert_only(answers, {200})
    versions = sorted(answer.body["sheet_version"] for answer in answers)
    # Each save saw the one before it: versions 1..n, none lost or written twice.
    assert versions == list(range(1, RACERS + 1))
    last = max(answers, key=lambda answer: answer.body["sheet_version"])
    school, rubric = worlds.north.school.id, worlds.north_rubric.id
    stored = score_rows(session_factory, scene.assessment_id)
    assert stored == _rows_of(scene, last.call.json, school, rubric)
    keys = [(row[1], row[2]) for row in stored]
    assert len(keys) == len(set(keys)) == 3
    assert link_row(session_factory, scene.assessment_id, scene.team_id) == (
        True,
        last.call.json["comment"],
        versions[-1],
    )
