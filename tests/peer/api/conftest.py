"""The peer evaluation API tests' world, on the roster tests' two schools (``worlds``).

In each school: the course's project has team 1 (``student``, ``ann``, ``bob``, ``cas``) and
team 2 (``dee``, ``eli``, ``fay``), every one enrolled in the course; ``lone`` is enrolled but
in no team. A ``peer``-scope rubric (scale 1..5, weights 1 and 2, descriptors on the first
criterion) and the project's draft assessment (``*_assessment``, project rubric) are there to
link. Everything straight through the ORM: the routes under test are the peer ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from teameval.auth.tokens import TokenClaims, issue_token
from teameval.models import (
    CourseEnrollment,
    ProjectTeamMember,
    Role,
    Rubric,
    RubricCriterion,
    User,
)
from tests.assessments.factories import make_rubric
from tests.factories import SchoolWorld, make_team, make_user
from tests.roster.conftest import (  # noqa: F401 (fixtures)
    API,
    SECRET,
    Headers,
    RosterWorld,
    bearer,
    settings,
    worlds,
)

DESCRIPTORS = ["absent", "rarely", "sometimes", "often", "always"]


@dataclass
class School:
    world: SchoolWorld
    project_id: int
    assessment_id: int
    project_rubric_id: int
    rubric_id: int
    criteria: list[int]
    team1: int
    team2: int
    students: dict[str, User] = field(default_factory=dict)

    def headers(self, who: str) -> Headers:
        """``admin``, ``teacher``, ``other_teacher`` or a student's key in ``students``."""
        if who in self.students:
            user = self.students[who]
            return bearer_of(self.world, user)
        return bearer(self.world, who)

    def id(self, who: str) -> int:
        return self.students[who].id


def bearer_of(world: SchoolWorld, user: User) -> Headers:
    claims = TokenClaims(user_id=user.id, school_id=world.school.id)
    return {"Authorization": f"Bearer {issue_token(claims, SECRET, timedelta(minutes=30))}"}


@dataclass
class PeerWorld:
    north: School
    south: School


def _school(session: Session, world: SchoolWorld, roster: RosterWorld, north: bool) -> School:
    project = roster.north_project if north else roster.south_project
    team1 = roster.north_team if north else roster.south_team
    assessment = roster.north_assessment if north else roster.south_assessment
    project_rubric = roster.north_rubric if north else roster.south_rubric
    slug = world.school.slug
    students = {"student": world.student}
    for name in ("ann", "bob", "cas", "dee", "eli", "fay", "lone"):
        students[name] = make_user(
            session, world.school, Role.STUDENT, f"{name}@{slug}.example.org", name.title()
        )
        session.add(
            CourseEnrollment(
                school_id=world.school.id,
                course_id=world.course.id,
                student_id=students[name].id,
            )
        )
    session.flush()
    for name in ("ann", "bob", "cas"):
        session.add(
            ProjectTeamMember(
                school_id=world.school.id,
                project_team_id=team1.id,
                project_id=project.id,
                is_current=True,
                user_id=students[name].id,
            )
        )
    team2 = make_team(session, project, 2, *(students[n] for n in ("dee", "eli", "fay")))
    rubric: Rubric = make_rubric(session, world.teacher, "Peer", scope="peer")
    criteria = list(
        session.query(RubricCriterion)
        .filter(RubricCriterion.rubric_id == rubric.id)
        .order_by(RubricCriterion.position)
    )
    criteria[0].descriptors = DESCRIPTORS
    session.flush()
    return School(
        world=world,
        project_id=project.id,
        assessment_id=assessment.id,
        project_rubric_id=project_rubric.id,
        rubric_id=rubric.id,
        criteria=[criterion.id for criterion in criteria],
        team1=team1.id,
        team2=team2.id,
        students=students,
    )


@pytest.fixture
def peer(request: pytest.FixtureRequest, session_factory: sessionmaker[Session]) -> PeerWorld:
    roster: RosterWorld = request.getfixturevalue("worlds")
    with session_factory.begin() as session:
        return PeerWorld(
            _school(session, roster.north, roster, True),
            _school(session, roster.south, roster, False),
        )


# --- requests ----------------------------------------------------------------------------------


def create_body(school: School, **fields: Any) -> dict[str, Any]:
    return {"title": "Peer review", "rubric_id": school.rubric_id, **fields}


def create(client: TestClient, school: School, who: str = "teacher", **fields: Any) -> Any:
    return client.post(
        f"{API}/projects/{school.project_id}/peer-evaluations",
        json=create_body(school, **fields),
        headers=school.headers(who),
    )


def evaluation_url(evaluation_id: int, rest: str = "") -> str:
    return f"{API}/peer-evaluations/{evaluation_id}{rest}"


def mine_url(evaluation_id: int, rest: str = "") -> str:
    return f"{API}/me/peer-evaluations/{evaluation_id}{rest}"


def move(client: TestClient, school: School, evaluation_id: int, *statuses: str) -> Any:
    """PATCH through each status in turn (as the teacher), asserting each succeeds."""
    body: Any = None
    for status in statuses:
        response = client.patch(
            evaluation_url(evaluation_id),
            json={"status": status},
            headers=school.headers("teacher"),
        )
        assert response.status_code == 200, response.text
        body = response.json()
    return body


def full_ratings(
    school: School, ratees: list[str], scores: Callable[[str, int], int] | int = 3
) -> list[dict[str, Any]]:
    """A rating of every ratee on every criterion; ``scores(ratee, criterion index)``."""
    return [
        {
            "ratee_id": school.id(ratee),
            "criterion_id": criterion,
            "score": scores if isinstance(scores, int) else scores(ratee, index),
        }
        for ratee in ratees
        for index, criterion in enumerate(school.criteria)
    ]


def put_ratings(
    client: TestClient,
    school: School,
    evaluation_id: int,
    rater: str,
    ratings: list[dict[str, Any]],
    submit: bool = False,
) -> Any:
    return client.put(
        mine_url(evaluation_id, "/ratings"),
        json={"ratings": ratings, "submit": submit},
        headers=school.headers(rater),
    )


@pytest.fixture
def opened(client: TestClient, peer: PeerWorld) -> int:
    """A north evaluation (include_self, linked to the draft assessment), opened."""
    response = create(client, peer.north, include_self=True, assessment_id=peer.north.assessment_id)
    assert response.status_code == 201, response.text
    evaluation_id: int = response.json()["id"]
    move(client, peer.north, evaluation_id, "open")
    return evaluation_id
