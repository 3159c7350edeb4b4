"""Property, through HTTP on both engines: whatever the rubric (scale, weights), the policy
override and the sheet (team scores, overrides, gaps), every student's previewed result equals a
plain ``fractions.Fraction`` oracle (override over team score, r = Σwᵢsᵢ / Σwᵢ, the two lines,
half up), and publishing stores exactly what the preview said.

One database per module, a fresh pair of schools per example.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import Project, User
from tests.assessments.factories import make_rubric
from tests.assessments.lifecycle.factories import make_assessment
from tests.assessments.lifecycle.helpers import assessment_url, criteria_of, move, put_scores
from tests.factories import make_team
from tests.projects.teams.team_helpers import enrolled_students
from tests.roster.conftest import RosterWorld, bearer, build_worlds, unique_slug

Factory = sessionmaker[Session]
MEMBERS = 3


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    low = draw(st.integers(0, 3))
    high = draw(st.integers(low + 1, low + 9))
    weights = draw(
        st.lists(
            st.decimals(Decimal("0.001"), Decimal("20"), places=3, allow_nan=False),
            min_size=1,
            max_size=4,
        )
    )
    score = st.integers(low, high)
    team = [draw(st.none() | score) for _ in weights]
    overrides = [[draw(st.none() | score) for _ in weights] for _ in range(MEMBERS)]
    decimals = draw(st.integers(0, 2))
    level = draw(
        st.none()
        | st.integers(low * 1000 + 1, high * 1000 - 1).map(lambda n: Decimal(n).scaleb(-3))
    )
    pass_grade = draw(st.integers(2, 9))  # whole, so any `decimals` can hold it
    return {
        "scale": (low, high),
        "weights": weights,
        "team": team,
        "overrides": overrides,
        "policy": {"pass_level": level, "pass_grade": Decimal(pass_grade), "decimals": decimals},
    }


def _oracle(case: dict[str, Any], member: int) -> tuple[Fraction, Fraction] | None:
    """(r, the grade rounded half up) by plain fractions; None when a criterion has no score."""
    low, high = case["scale"]
    used = []
    for index, weight in enumerate(case["weights"]):
        score = case["overrides"][member][index]
        score = case["team"][index] if score is None else score
        if score is None:
            return None
        used.append((Fraction(weight), score))
    r = sum(w * s for w, s in used) / sum(w for w, _ in used)
    policy = case["policy"]
    level = (
        Fraction(low + high, 2) if policy["pass_level"] is None else Fraction(policy["pass_level"])
    )
    p, lo, hi = Fraction(policy["pass_grade"]), Fraction(1), Fraction(10)
    exact = (
        lo + (p - lo) * (r - low) / (level - low)
        if r <= level
        else (p + (hi - p) * (r - level) / (high - level))
    )
    scale = 10 ** policy["decimals"]
    return r, Fraction(math.floor(exact * scale + Fraction(1, 2)), scale)


def _setup(factory: Factory, case: dict[str, Any]) -> tuple[RosterWorld, int, int, int, list[int]]:
    """A fresh world whose assessment uses a rubric of the case's scale and weights and the
    case's policy override, linking team 1 (unscored) and a team 2 of three new students:
    (world, assessment id, team 2's id, rubric id, team 2's students)."""
    worlds = build_worlds(factory, unique_slug("north"), unique_slug("south"))
    students = enrolled_students(factory, worlds.north, MEMBERS, "prop-")
    override: dict[str, Any] = {"decimals": case["policy"]["decimals"]}
    for name in ("pass_level", "pass_grade"):
        if case["policy"][name] is not None:
            override[name] = str(case["policy"][name])
    with factory.begin() as session:
        teacher = session.merge(worlds.north.teacher)
        rubric = make_rubric(
            session,
            teacher,
            scale=case["scale"],
            weights=tuple(str(weight) for weight in case["weights"]),
        )
        project = session.get_one(Project, worlds.north_project.id)
        members = [session.get_one(User, student) for student in students]
        team = make_team(session, project, 2, *members)
        assessment = make_assessment(session, project, rubric, teacher)
        assessment.grade_policy = override
        return worlds, assessment.id, team.id, rubric.id, students


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases())
def test_preview_equals_the_fraction_oracle_and_publish_stores_it(
    shared_client: TestClient, shared_session_factory: Factory, case: dict[str, Any]
) -> None:
    factory = shared_session_factory
    worlds, assessment_id, team_id, rubric_id, students = _setup(factory, case)
    teacher = bearer(worlds.north, "teacher")
    move(shared_client, assessment_id, teacher, "open")
    criteria = criteria_of(factory, rubric_id)
    put_scores(
        factory,
        assessment_id,
        team_id,
        {c: s for c, s in zip(criteria, case["team"], strict=True) if s is not None},
        {
            (students[m], c): (s, "Reden")
            for m in range(MEMBERS)
            for c, s in zip(criteria, case["overrides"][m], strict=True)
            if s is not None
        },
    )
    preview = shared_client.get(assessment_url(assessment_id, "/results"), headers=teacher).json()
    mine = {
        item["student_id"]: item for item in preview["items"] if item["project_team_id"] == team_id
    }
    for member, student in enumerate(students):
        item, expected = mine[student], _oracle(case, member)
        if expected is None:
            assert (item["complete"], item["grade"], item["weighted_score_exact"]) == (
                False,
                None,
                None,
            )
            continue
        r, grade = expected
        assert item["complete"] is True
        assert Fraction(item["weighted_score_exact"]) == r
        assert Fraction(Decimal(item["grade"])) == grade
        assert Decimal(item["grade"]).as_tuple().exponent == -case["policy"]["decimals"]
    published = shared_client.patch(
        assessment_url(assessment_id),
        json={"status": "published", "complete_only": True},
        headers=teacher,
    )
    complete = [item for item in preview["items"] if item["complete"]]
    if not complete:
        assert published.status_code == 409, published.text
        return
    assert published.status_code == 200, published.text
    stored = shared_client.get(assessment_url(assessment_id, "/results"), headers=teacher).json()
    assert stored["source"] == "publication"
    assert stored["items"] == complete
