"""Publishing, the factors, the fairness preview and the export over HTTP, on both engines,
against an oracle built straight from ``peer.corrections`` and ``peer.flags`` on the ratings the
scenario gave (so the routes' gathering of ratings, submissions, versions and G is what is
tested), for each model and non-submitter rule."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.assessments.grading import GradePolicy, decimal_text, exact_grade
from teameval.models import AuditLog, PeerResult
from teameval.peer.corrections import (
    MODELS,
    CorrectionSettings,
    TeamRatings,
    correct_team,
    corrected_grade,
    factor_text,
    team_factors,
)
from teameval.peer.flags import project_flags
from tests.assessments.lifecycle.helpers import full_rows
from tests.peer.api.conftest import PeerWorld, School, create, evaluation_url, move, put_ratings
from tests.peer.api.scenario import (
    DRAFTS,
    SUBMITTED,
    TEAM1,
    TEAM2,
    TEAM_SCORES,
    body_of,
    play,
)

Factory = sessionmaker[Session]
POLICY = GradePolicy()  # the worlds' schools keep the built-in policy (1..10, 5.5 at the middle)
SETTINGS = [
    {"model": "webpa", "non_submitter": "cap", "penalty": "0", "weighting": "0.5"},
    {"model": "catme", "non_submitter": "none", "penalty": "1", "weighting": "1"},
    {"model": "gcf", "non_submitter": "cap", "penalty": "0.5", "weighting": "0.25"},
    {"model": "none", "non_submitter": "cap", "penalty": "2", "weighting": "0.5"},
    {"model": "webpa", "non_submitter": "none", "penalty": "0", "weighting": "1"},
]


def _team(school: School, names: list[str]) -> TeamRatings[int, int]:
    ratings: dict[tuple[int, int, int], int] = {}
    for given in (SUBMITTED, DRAFTS):
        for rater, ratees in given.items():
            if rater not in names:
                continue
            for ratee, (scores, _comment) in ratees.items():
                for criterion, score in zip(school.criteria, scores, strict=True):
                    ratings[(school.id(rater), school.id(ratee), criterion)] = score
    return TeamRatings(
        members=[school.id(name) for name in names],
        submitted=frozenset(school.id(name) for name in names if name in SUBMITTED),
        ratings=ratings,
        weights=dict(zip(school.criteria, (1, 2), strict=True)),
        scale_min=1,
        scale_max=5,
        include_self=True,
    )


def _g(team_number: int) -> Fraction:
    first, second = TEAM_SCORES[team_number]
    return exact_grade(Fraction(first + 2 * second, 3), POLICY, 1, 5)


def _settings(values: dict[str, str], model: str | None = None) -> CorrectionSettings:
    return CorrectionSettings(
        model=(model or values["model"]),  # type: ignore[arg-type]
        weighting=Fraction(Decimal(values["weighting"])),
        non_submitter=values["non_submitter"],  # type: ignore[arg-type]
        penalty=Fraction(Decimal(values["penalty"])),
    )


def oracle(school: School, values: dict[str, str]) -> dict[int, dict[str, Any]]:
    """Per student: team, submitted, factors, chosen factor, flags, G and every model's grade."""
    teams = {school.team1: _team(school, TEAM1), school.team2: _team(school, TEAM2)}
    numbers = {school.team1: 1, school.team2: 2}
    settings = _settings(values)
    all_factors = {}
    for team in teams.values():
        all_factors.update(team_factors(team, settings.non_submitter))
    chosen = (
        None
        if settings.model == "none"
        else {s: f.of(settings.model) for s, f in all_factors.items()}
    )
    flags = project_flags(list(teams.values()), chosen)
    expected: dict[int, dict[str, Any]] = {}
    for team_id, team in teams.items():
        g = _g(numbers[team_id])
        for correction in correct_team(team, settings, dict.fromkeys(team.members, g), POLICY):
            s = correction.student
            expected[s] = {
                "project_team_id": team_id,
                "submitted": correction.submitted,
                "factors": correction.factors.to_dict(),
                "factor": factor_text(correction.factor),
                "grade": correction.grade,
                "flags": [flag.value for flag in flags[s]],
                "grades": {
                    model: corrected_grade(
                        g,
                        correction.factors.of(model),
                        submitted=correction.submitted,
                        settings=_settings(values, model),
                        policy=POLICY,
                    )
                    for model in MODELS
                },
            }
    return expected


@pytest.mark.parametrize("values", SETTINGS, ids=lambda v: f"{v['model']}-{v['non_submitter']}")
def test_publish_writes_the_corrections_modules_results(
    client: TestClient, peer: PeerWorld, session_factory: Factory, values: dict[str, str]
) -> None:
    played = play(client, peer, session_factory, settings=values)
    north = played.school
    expected = oracle(north, values)
    rows = full_rows(session_factory, PeerResult, evaluation_id=played.evaluation_id)
    assert len(rows) == len(TEAM1) + len(TEAM2)
    for row in rows:
        want = expected[row["student_id"]]
        assert row["project_team_id"] == want["project_team_id"]
        assert row["submitted"] is want["submitted"]
        assert row["model"] == values["model"]
        assert row["weighting"] == Decimal(values["weighting"])
        assert row["factor"] == Decimal(want["factor"])
        assert row["factors"] == want["factors"]
        assert row["flags"] == want["flags"]
        assert row["base_grade"] == want["grades"]["none"]
        assert row["grade"] == want["grade"]
        assert Decimal("1.0") <= row["grade"] <= Decimal("10.0")
    # Cas (a draft only) is a non-submitter: under the cap their factor never passes 1.
    cas = expected[north.id("cas")]
    assert cas["submitted"] is False
    if values["non_submitter"] == "cap":
        assert all(Decimal(f) <= 1 for f in cas["factors"].values())
    # The models differ here: the preview would show it.
    assert len({tuple(sorted(s["factors"].items())) for s in expected.values()}) > 1


def test_factors_preview_and_export_answer_what_publishing_writes(
    client: TestClient, peer: PeerWorld, session_factory: Factory
) -> None:
    values = SETTINGS[0]
    played = play(client, peer, session_factory, publish=False, settings=values)
    north, evaluation_id = played.school, played.evaluation_id
    expected = oracle(north, values)
    teacher = north.headers("teacher")
    factors = client.get(evaluation_url(evaluation_id, "/factors"), headers=teacher)
    assert factors.status_code == 200, factors.text
    assert factors.json()["model"] == "webpa"
    got = {item["student_id"]: item for item in factors.json()["students"]}
    assert set(got) == set(expected)
    for student, item in got.items():
        want = expected[student]
        assert {k: item[k] for k in ("webpa", "catme", "gcf")} == want["factors"]
        assert all(len(item[k].split(".")[1]) == 4 for k in ("webpa", "catme", "gcf"))
        assert (item["project_team_id"], item["submitted"], item["flags"]) == (
            want["project_team_id"],
            want["submitted"],
            want["flags"],
        )
    preview = client.get(evaluation_url(evaluation_id, "/preview"), headers=teacher)
    assert preview.status_code == 200, preview.text
    for item in preview.json()["students"]:
        want = expected[item["student_id"]]
        assert item["grades"] == {m: decimal_text(g) for m, g in want["grades"].items()}
        assert item["base_grade"] == decimal_text(want["grades"]["none"])
    flat = expected[north.id("fay")]["flags"]
    assert "flat_rater" in flat
    assert "did_not_submit" in expected[north.id("cas")]["flags"]
    exported = client.get(evaluation_url(evaluation_id, "/export.csv"), headers=teacher)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {int(line["student_id"]): line["grade"] for line in lines} == {
        s: decimal_text(w["grade"]) for s, w in expected.items()
    }
    # Then publish: the stored results are the previewed ones.
    published = client.patch(
        evaluation_url(evaluation_id), json={"status": "published"}, headers=teacher
    )
    assert published.status_code == 200, published.text
    rows = full_rows(session_factory, PeerResult, evaluation_id=evaluation_id)
    assert {r["student_id"]: decimal_text(r["grade"]) for r in rows} == {
        int(line["student_id"]): line["grade"] for line in lines
    }
    # Nothing changes a published evaluation's comments.
    matrix = client.get(
        evaluation_url(evaluation_id, "/matrix"), params={"team_id": north.team1}, headers=teacher
    ).json()
    rating = matrix["ratings"][0]["id"]
    late = client.patch(
        evaluation_url(evaluation_id, f"/ratings/{rating}"),
        json={"comment_hidden": True},
        headers=teacher,
    )
    assert late.status_code == 409


def test_without_an_assessment_results_carry_factors_only(
    client: TestClient, peer: PeerWorld, session_factory: Factory
) -> None:
    north = peer.north
    evaluation_id = create(client, north, include_self=True).json()["id"]
    move(client, north, evaluation_id, "open")
    for rater in ("student", "ann", "bob"):
        body = body_of(north, SUBMITTED[rater])
        assert put_ratings(client, north, evaluation_id, rater, body, True).status_code == 200
    teacher = north.headers("teacher")
    preview = client.get(evaluation_url(evaluation_id, "/preview"), headers=teacher)
    assert preview.status_code == 409
    move(client, north, evaluation_id, "closed", "published")
    rows = full_rows(session_factory, PeerResult, evaluation_id=evaluation_id)
    assert len(rows) == 7
    assert {(r["base_grade"], r["grade"]) for r in rows} == {(None, None)}
    team2 = [r for r in rows if r["project_team_id"] == north.team2]
    assert {r["factor"] for r in team2} == {Decimal(1)}  # nobody in team 2 rated


def test_every_write_leaves_its_audit_row_and_a_refused_one_none(
    client: TestClient, peer: PeerWorld, session_factory: Factory
) -> None:
    played = play(client, peer, session_factory)
    north, evaluation_id = played.school, played.evaluation_id
    refused = put_ratings(client, north, evaluation_id, "ann", [], True)
    assert refused.status_code == 409  # published: no rating any more
    with session_factory() as session:
        rows = session.execute(
            sa.select(AuditLog.action, AuditLog.actor_id, AuditLog.changes)
            .where(AuditLog.entity_type == "peer_evaluation", AuditLog.entity_id == evaluation_id)
            .order_by(AuditLog.id)
        ).all()
        locks = session.scalars(
            sa.select(AuditLog.entity_id).where(
                AuditLog.action == "project_team.lock",
                AuditLog.entity_id.in_([north.team1, north.team2]),
            )
        ).all()
    assert set(locks) == {north.team1, north.team2}
    actions = [row.action for row in rows]
    saves = len(DRAFTS) + len(SUBMITTED)
    assert actions == [
        "peer_evaluation.create",
        "peer_evaluation.status",
        *["peer_rating.save"] * saves,
        "peer_rating.comment_hidden",
        "peer_evaluation.status",
        "peer_evaluation.status",
    ]
    teacher_id = north.world.teacher.id
    assert [row.changes for row in rows if row.action == "peer_evaluation.status"] == [
        {"from": "draft", "to": "open", "locked_team_ids": sorted([north.team1, north.team2])},
        {"from": "open", "to": "closed"},
        {"from": "closed", "to": "published", "results": len(TEAM1) + len(TEAM2)},
    ]
    raters = [row.actor_id for row in rows if row.action == "peer_rating.save"]
    assert raters == [north.id(r) for r in (*DRAFTS, *SUBMITTED)]
    assert {row.actor_id for row in rows if row.action != "peer_rating.save"} == {teacher_id}
