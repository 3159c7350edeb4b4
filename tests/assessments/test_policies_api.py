"""Stored grade policies through HTTP on both engines, and the order ``effective_policy``
resolves them in: assessment override > course > school > built-in defaults."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.assessments.grading import GradePolicy
from teameval.assessments.policies.service import effective_policy
from teameval.errors import InvalidInput
from teameval.models import AuditLog, GradePolicyRow
from tests.roster.conftest import API, RosterWorld, bearer

BUILT_IN = {
    "pass_level": None,
    "pass_grade": "5.5",
    "min_grade": "1",
    "max_grade": "10",
    "decimals": 1,
}


def test_policies_resolve_course_over_school_over_built_in(
    client: TestClient, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    admin = bearer(worlds.north, "admin")
    teacher = bearer(worlds.north, "teacher")
    course = f"{API}/courses/{worlds.north.course.id}/grade-policy"
    school_id, course_id = worlds.north.school.id, worlds.north.course.id

    assert client.get(f"{API}/grade-policy", headers=teacher).json() == {
        "source": "default",
        "course_id": None,
        **BUILT_IN,
    }
    assert client.get(course, headers=teacher).json() == {
        "source": "default",
        "course_id": course_id,
        **BUILT_IN,
    }

    school = {"pass_level": "3.5", "pass_grade": "6.0", "decimals": 1}
    response = client.put(f"{API}/grade-policy", json=school, headers=admin)
    assert response.status_code == 200, response.text
    school_out = {**BUILT_IN, "pass_level": "3.5", "pass_grade": "6"}
    assert response.json() == {"source": "school", "course_id": None, **school_out}
    assert client.get(course, headers=teacher).json() == {
        "source": "school",
        "course_id": course_id,
        **school_out,
    }

    response = client.put(course, json={"pass_grade": 5.5, "decimals": 2}, headers=admin)
    assert response.status_code == 200, response.text
    course_out = {**BUILT_IN, "decimals": 2}
    assert client.get(course, headers=teacher).json() == {
        "source": "course",
        "course_id": course_id,
        **course_out,
    }
    # The school default is untouched by the course's override; south sees neither.
    assert client.get(f"{API}/grade-policy", headers=teacher).json()["source"] == "school"
    south = bearer(worlds.south, "admin")
    assert client.get(f"{API}/grade-policy", headers=south).json()["source"] == "default"

    with session_factory() as session:
        assert effective_policy(session, school_id, course_id, None) == GradePolicy(decimals=2)
        assert effective_policy(session, school_id, worlds.north.other_course.id) == GradePolicy(
            pass_level=Fraction(7, 2), pass_grade=Decimal("6.0")
        )
        assert effective_policy(
            session, school_id, course_id, {"pass_level": "3", "pass_grade": None}
        ) == GradePolicy(pass_level=Fraction(3), decimals=2)
        assert effective_policy(session, worlds.south.school.id, None) == GradePolicy()
        with pytest.raises(InvalidInput) as raised:
            effective_policy(session, school_id, course_id, {"pass_grade": "11"})
        assert raised.value.extensions["errors"][0]["field"] == "grade_policy.pass_grade"
        with pytest.raises(InvalidInput) as raised:
            effective_policy(session, school_id, course_id, {"max_grade": "9"})
        assert raised.value.extensions["errors"][0]["field"] == "grade_policy.max_grade"

    assert client.delete(course, headers=admin).status_code == 204
    assert client.delete(course, headers=admin).status_code == 204  # nothing left: no change
    assert client.get(course, headers=teacher).json()["source"] == "school"

    with session_factory() as session:
        audit = session.execute(
            sa.select(AuditLog.action, AuditLog.changes)
            .where(AuditLog.entity_type == "grade_policy")
            .order_by(AuditLog.id)
        ).all()
        assert session.scalar(sa.select(sa.func.count()).select_from(GradePolicyRow)) == 1
    assert [action for action, _ in audit] == [
        "grade_policy.school.set",
        "grade_policy.course.set",
        "grade_policy.course.removed",
    ]
    assert audit[0][1] == {
        "course_id": None,
        "before": None,
        "after": {**BUILT_IN, "pass_level": "3.5", "pass_grade": "6"},
    }
    assert audit[2][1] == {"course_id": course_id, "before": course_out}


def test_putting_the_same_policy_again_writes_nothing(
    client: TestClient, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    admin = bearer(worlds.north, "admin")
    for _ in range(2):
        assert (
            client.put(f"{API}/grade-policy", json={"decimals": 2}, headers=admin).status_code
            == 200
        )
    with session_factory() as session:
        count = session.scalar(
            sa.select(sa.func.count()).where(AuditLog.entity_type == "grade_policy")
        )
    assert count == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pass_grade": "10.0"}, "pass_grade"),
        ({"pass_grade": "0.5"}, "pass_grade"),
        ({"decimals": 3}, "decimals"),
        ({"decimals": 0}, "pass_grade"),  # 5.5 cannot be a grade with no decimals
        ({"pass_level": "-1"}, "pass_level"),
        ({"pass_grade": "5.555"}, "pass_grade"),
        ({"min_grade": "1", "max_grade": "5"}, "pass_grade"),
        ({"curve": 2}, "curve"),
    ],
)
def test_invalid_policies_name_the_field_and_write_nothing(
    client: TestClient,
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
    body: dict[str, object],
    field: str,
) -> None:
    admin = bearer(worlds.north, "admin")
    for path in ("/grade-policy", f"/courses/{worlds.north.course.id}/grade-policy"):
        response = client.put(f"{API}{path}", json=body, headers=admin)
        assert response.status_code == 422, response.text
        assert [error["field"] for error in response.json()["errors"]] == [field]
    with session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(GradePolicyRow)) == 0
