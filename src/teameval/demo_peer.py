"""The demo's peer evaluation (issue 13): a peer rubric with Dutch behaviour descriptors and
one evaluation of the Dommel project, linked to its published assessment and closed, so the
teacher's fairness preview shows the models differing before anything is published.

One team rated completely (everyone submitted), one with a student who never submitted and a
"flat rater" who gave every teammate the same score on every criterion; the other teams mixed.
Everything goes through the services the API uses (rubric create, the evaluation's lifecycle,
each student's own ratings), so the rows, locks and audit trail are real.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from teameval.access.principal import Principal
from teameval.assessments.rubrics.schemas import CriterionIn, RubricCreate
from teameval.assessments.rubrics.service import create_rubric
from teameval.audit_trail import Actor
from teameval.models import (
    PeerEvaluation,
    PeerEvaluationTeam,
    PeerRating,
    PeerResult,
    PeerStatus,
    PeerSubmission,
    Project,
    ProjectTeamMember,
    Role,
    RubricCriterion,
    User,
)
from teameval.peer.evaluations import create_evaluation, update_evaluation
from teameval.peer.ratings import save_ratings
from teameval.peer.schemas import PeerEvaluationCreate, PeerEvaluationUpdate, RatingIn, RatingsPut

PEER_SEED = 20261129
PEER_CRITERIA = (
    (
        "Organiseren",
        (
            "Weet niet wat er moet gebeuren en wacht af.",
            "Pakt taken op als iemand ze toewijst.",
            "Plant het eigen werk en houdt de afspraken bij.",
            "Helpt het team plannen en verdeelt werk eerlijk.",
            "Houdt overzicht voor het hele team en stuurt bij waar nodig.",
        ),
    ),
    (
        "Bijdragen",
        (
            "Levert weinig of niets aan het project.",
            "Levert een klein deel, vaak pas na aandringen.",
            "Levert het afgesproken deel op tijd.",
            "Levert meer dan afgesproken en van goede kwaliteit.",
            "Draagt het project inhoudelijk; het werk is uitstekend.",
        ),
    ),
    (
        "Communiceren",
        (
            "Reageert niet op berichten en is vaak onbereikbaar.",
            "Reageert laat; laat weinig van zich horen in overleg.",
            "Is bereikbaar en doet mee in overleg.",
            "Luistert goed en deelt ideeën helder.",
            "Brengt het gesprek verder en lost onenigheid op.",
        ),
    ),
    (
        "Betrouwbaarheid",
        (
            "Komt afspraken niet na.",
            "Komt afspraken soms na.",
            "Komt de meeste afspraken na.",
            "Komt afspraken na en meldt het op tijd als iets niet lukt.",
            "Altijd betrouwbaar; het team kan blind op hem of haar rekenen.",
        ),
    ),
)
COMMENTS = (
    "Hield de planning goed bij en hielp ons als we vastliepen.",
    "Deed zijn deel, maar reageerde vaak pas laat in de groepsapp.",
    "Had de beste ideeën voor het meetplan.",
)


@dataclass(frozen=True)
class DemoPeer:
    rubric_id: int
    evaluation_id: int
    non_submitter_id: int
    flat_rater_id: int


def _student(session: Session, user_id: int) -> Principal:
    user = session.get(User, user_id)
    assert user is not None
    return Principal(user.id, user.school_id, Role(user.role), user.email, user.name)


def _members(session: Session, team_id: int) -> list[int]:
    return list(
        session.scalars(
            select(ProjectTeamMember.user_id)
            .where(ProjectTeamMember.project_team_id == team_id)
            .order_by(ProjectTeamMember.user_id)
        )
    )


def _rate(
    session: Session,
    evaluation_id: int,
    rater: int,
    members: list[int],
    criteria: list[int],
    score: dict[tuple[int, int], int],
    *,
    submit: bool,
    comment: str | None = None,
) -> None:
    principal = _student(session, rater)
    ratings = [
        RatingIn(
            ratee_id=ratee,
            criterion_id=criterion,
            score=score[(ratee, criterion)],
            comment=comment if ratee != rater and index == 0 else None,
        )
        for ratee in members
        for index, criterion in enumerate(criteria)
    ]
    save_ratings(
        session,
        principal,
        principal.actor,
        evaluation_id,
        RatingsPut(ratings=ratings, submit=submit),
    )


def build_demo_peer(session: Session, actor: Actor, assessment_id: int) -> DemoPeer:
    rubric = create_rubric(
        session,
        actor,
        RubricCreate(
            title="Peerbeoordeling samenwerken",
            description="Leerlingen beoordelen zichzelf en hun teamgenoten op gedrag.",
            scope="peer",
            scale_min=1,
            scale_max=5,
            criteria=[
                CriterionIn(name=name, weight="1", category="Samenwerken", descriptors=list(texts))
                for name, texts in PEER_CRITERIA
            ],
        ),
    )
    criteria = list(
        session.scalars(
            select(RubricCriterion.id)
            .where(RubricCriterion.rubric_id == rubric.id)
            .order_by(RubricCriterion.position)
        )
    )
    project = session.scalars(
        select(Project).where(
            Project.school_id == actor.school_id, Project.title == "Waterkwaliteit van de Dommel"
        )
    ).one()
    evaluation = create_evaluation(
        session,
        actor,
        project,
        PeerEvaluationCreate(
            title="Peerbeoordeling Dommel",
            rubric_id=rubric.id,
            include_self=True,
            assessment_id=assessment_id,
        ),
    )
    update_evaluation(session, actor, evaluation, PeerEvaluationUpdate(status=PeerStatus.OPEN))
    teams = list(
        session.scalars(
            select(PeerEvaluationTeam.project_team_id)
            .where(PeerEvaluationTeam.evaluation_id == evaluation.id)
            .order_by(PeerEvaluationTeam.project_team_id)
        )
    )
    rng = random.Random(PEER_SEED)
    non_submitter = flat_rater = 0
    for index, team_id in enumerate(teams):
        members = _members(session, team_id)
        # How each ratee really did, seen with a little noise by every rater.
        effort = {member: rng.choice((2, 3, 4, 4, 5)) for member in members}
        for position, rater in enumerate(members):
            score = {
                (ratee, criterion): max(1, min(5, effort[ratee] + rng.choice((-1, 0, 0, 1))))
                for ratee in members
                for criterion in criteria
            }
            if index == 1 and position == 0:
                non_submitter = rater  # never opens the form
                continue
            if index == 1 and position == 1:
                flat_rater = rater
                score = dict.fromkeys(score, 4)
            submit = index <= 1 or position % 3 != 2  # later teams: some only a draft
            comment = COMMENTS[position % len(COMMENTS)] if position < len(COMMENTS) else None
            _rate(
                session,
                evaluation.id,
                rater,
                members,
                criteria,
                score,
                submit=submit,
                comment=comment,
            )
    update_evaluation(session, actor, evaluation, PeerEvaluationUpdate(status=PeerStatus.CLOSED))
    return DemoPeer(rubric.id, evaluation.id, non_submitter, flat_rater)


def remove_demo_peer(session: Session, school_id: int) -> None:
    """For ``demo.reset_demo``: the demo school's peer evaluations, children first."""
    for model in (
        PeerResult,
        PeerRating,
        PeerSubmission,
        PeerEvaluationTeam,
        PeerEvaluation,
    ):
        session.execute(delete(model).where(model.school_id == school_id))
