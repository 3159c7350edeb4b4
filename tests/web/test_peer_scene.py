"""A peer evaluation in the state a page test needs, built through the services (create, open,
ratings, close, publish) on the roster tests' world. Helpers only: the peer page tests import
them.

North's project gets team 1 (``student``, Mara Maat, Pim Peer) and team 2 (``other_student``,
Kees Klein, Lies Lang); a published assessment of the assessments scene's rubric gives team 1
the grade 7.5 and team 2 the grade 3.3. The peer rubric "Samenwerking" has two criteria on
1..4, the first with a descriptor per level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.access import Principal
from teameval.models import (
    PeerEvaluation,
    Project,
    ProjectTeamMember,
    Role,
    RubricCriterion,
    School,
    User,
)
from teameval.peer import evaluations, ratings
from teameval.peer.schemas import PeerEvaluationCreate, PeerEvaluationUpdate, RatingsPut
from tests.assessments.factories import make_rubric
from tests.factories import enroll, make_user
from tests.roster.conftest import RosterWorld
from tests.web.test_assessments_scene import build_teams, make_assessment, principal_of

Factory = sessionmaker[Session]
PEER_DESCRIPTORS = ("Haakt af", "Doet mee", "Draagt bij", "Trekt het team")


@dataclass
class PeerScene:
    project_id: int
    rubric_id: int
    criteria: list[int]
    assessment_id: int
    team_ids: dict[int, int]
    # team number → [(user id, name)], the world's student first in team 1
    members: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def member(self, team: int, index: int) -> tuple[int, str]:
        return self.members[team][index]


def build_peer_scene(factory: Factory, worlds: RosterWorld) -> PeerScene:
    north = worlds.north
    scene = build_teams(factory, worlds, extra_teams=1)
    users: dict[str, User] = {}
    with factory.begin() as session:
        school = session.get_one(School, north.school.id)
        teacher = session.get_one(User, north.teacher.id)
        rubric = make_rubric(
            session, teacher, "Samenwerking", scope="peer", scale=(1, 4), weights=("1", "1")
        )
        criteria = list(
            session.scalars(
                select(RubricCriterion)
                .where(RubricCriterion.rubric_id == rubric.id)
                .order_by(RubricCriterion.position)
            )
        )
        criteria[0].name = "Bijdrage"
        criteria[0].descriptors = list(PEER_DESCRIPTORS)
        criteria[1].name = "Communicatie"
        extra = {1: ("Mara Maat", "Pim Peer"), 2: ("Kees Klein", "Lies Lang")}
        for number, names in extra.items():
            for name in names:
                email = name.lower().replace(" ", ".") + "@north.example.org"
                user = make_user(session, school, Role.STUDENT, email, name)
                enroll(session, north.course, user)
                session.add(
                    ProjectTeamMember(
                        school_id=school.id,
                        project_team_id=scene.teams[number],
                        project_id=scene.project_id,
                        is_current=True,
                        user_id=user.id,
                    )
                )
                scene.students[number].append((user.id, name))
                users[name] = user
        session.flush()
        rubric_id, criterion_ids = rubric.id, [c.id for c in criteria]
    assessment_id = make_assessment(
        factory, worlds, scene, "Eindcijfer", scores={1: (3, 4), 2: (2, 2)}, status="published"
    )
    return PeerScene(
        scene.project_id,
        rubric_id,
        criterion_ids,
        assessment_id,
        dict(scene.teams),
        {
            number: sorted(students, key=lambda s: s[1])
            for number, students in scene.students.items()
        },
        users,
    )


def teacher_of(worlds: RosterWorld) -> Principal:
    return principal_of(worlds.north.teacher)


def make_evaluation(
    factory: Factory,
    worlds: RosterWorld,
    scene: PeerScene,
    title: str = "Peer feedback week 8",
    *,
    status: str = "open",
    include_self: bool = True,
    linked: bool = True,
    model: str = "webpa",
) -> int:
    """A peer evaluation of the scene's project, put in ``status`` (draft or open)."""
    teacher = teacher_of(worlds)
    with factory.begin() as session:
        project = session.get_one(Project, scene.project_id)
        created = evaluations.create_evaluation(
            session,
            teacher.actor,
            project,
            PeerEvaluationCreate(
                title=title,
                rubric_id=scene.rubric_id,
                include_self=include_self,
                model=model,
                weighting=Decimal("0.5"),
                assessment_id=scene.assessment_id if linked else None,
            ),
        )
        if status != "draft":
            evaluations.update_evaluation(
                session,
                teacher.actor,
                created,
                PeerEvaluationUpdate(status="open"),
            )
        return created.id


def rate(
    factory: Factory,
    rater: User,
    evaluation_id: int,
    scores: dict[int, tuple[int, ...]],
    *,
    submit: bool = True,
    comments: dict[int, str] | None = None,
) -> None:
    """``rater`` rates each ratee (id → a score per criterion), through the service."""
    principal = principal_of(rater)
    with factory.begin() as session:
        form = ratings.my_form(session, principal, evaluation_id)
        items: list[dict[str, Any]] = []
        for ratee, values in scores.items():
            for criterion, value in zip(form.criteria, values, strict=False):
                comment = (comments or {}).get(ratee) if criterion.position == 0 else None
                items.append(
                    {
                        "ratee_id": ratee,
                        "criterion_id": criterion.id,
                        "score": value,
                        "comment": comment,
                    }
                )
        ratings.save_ratings(
            session,
            principal,
            principal.actor,
            evaluation_id,
            RatingsPut.model_validate({"ratings": items, "submit": submit}),
        )


def set_status(factory: Factory, worlds: RosterWorld, evaluation_id: int, status: str) -> None:
    teacher = teacher_of(worlds)
    with factory.begin() as session:
        evaluation = session.get_one(PeerEvaluation, evaluation_id)
        evaluations.update_evaluation(
            session,
            teacher.actor,
            evaluation,
            PeerEvaluationUpdate(status=status),
        )
