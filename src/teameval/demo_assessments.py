"""The demo's assessments (issue 10): a project rubric with weighted criteria and Dutch level
descriptors, one assessment being scored and one published with overrides, on the demo projects
of ``demo_projects``. Everything goes through the services the API uses (rubric create, the
assessment lifecycle, sheet saves), so the demo's rows, locks and audit trail are real.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from teameval.assessments.lifecycle import service as lifecycle
from teameval.assessments.lifecycle.schemas import AssessmentCreate, AssessmentUpdate
from teameval.assessments.rubrics.schemas import CriterionIn, RubricCreate
from teameval.assessments.rubrics.service import create_rubric
from teameval.assessments.sheets.reads import members_of
from teameval.assessments.sheets.schemas import OverrideIn, ScoreIn, SheetIn
from teameval.assessments.sheets.service import save_sheet
from teameval.audit_trail import Actor
from teameval.models import (
    AssessmentPublication,
    AssessmentResult,
    AssessmentStatus,
    GradePolicyRow,
    Project,
    ProjectAssessment,
    ProjectAssessmentScore,
    ProjectAssessmentTeam,
    ProjectTeam,
    Rubric,
    RubricCriterion,
    SelfAssessment,
)

SCORING_SEED = 20261128
LEVELS = ("onvoldoende", "matig", "voldoende", "goed", "uitstekend")
CRITERIA = (
    (
        "Samenwerking",
        "2",
        "Proces",
        (
            "Werkt langs elkaar heen; afspraken worden niet nagekomen.",
            "Overlegt af en toe; taken zijn ongelijk verdeeld.",
            "Verdeelt de taken en komt de meeste afspraken na.",
            "Stemt regelmatig af en helpt elkaar waar nodig.",
            "Werkt als één team: iedereen draagt bij en spreekt elkaar aan.",
        ),
    ),
    (
        "Planning",
        "1",
        "Proces",
        (
            "Geen planning; deadlines worden gemist.",
            "Een planning op hoofdlijnen die niet wordt bijgehouden.",
            "Een haalbare planning die grotendeels wordt gevolgd.",
            "Een duidelijke planning, tussentijds bijgesteld.",
            "Een strakke planning met mijlpalen, bewaakt door het hele team.",
        ),
    ),
    (
        "Eindproduct",
        "3",
        "Product",
        (
            "Het product ontbreekt of voldoet niet aan de opdracht.",
            "Het product is onvolledig en bevat fouten.",
            "Het product voldoet aan de opdracht.",
            "Een verzorgd product dat verder gaat dan de opdracht.",
            "Een origineel, professioneel product van hoge kwaliteit.",
        ),
    ),
    (
        "Presentatie",
        "1",
        "Product",
        (
            "Onverstaanbaar of niet voorbereid.",
            "Voorgelezen; weinig contact met het publiek.",
            "Duidelijk verhaal, vragen redelijk beantwoord.",
            "Overtuigend, met goede ondersteuning en antwoorden.",
            "Boeiend en helder; vragen worden deskundig beantwoord.",
        ),
    ),
)
REASONS = (
    "Was drie weken ziek en heeft het deel over de planning niet meegemaakt.",
    "Heeft de presentatie vrijwel alleen voorbereid en gegeven.",
    "Leverde zijn deel van het eindproduct pas na de deadline in.",
)


@dataclass(frozen=True)
class DemoAssessments:
    rubric_id: int
    scored_id: int  # open, some sheets filled
    published_id: int  # published, with overrides


def _project(session: Session, school_id: int, title: str) -> Project:
    return session.scalars(
        select(Project).where(Project.school_id == school_id, Project.title == title)
    ).one()


def _linked_teams(session: Session, assessment: ProjectAssessment) -> list[int]:
    return list(
        session.scalars(
            select(ProjectAssessmentTeam.project_team_id)
            .join(ProjectTeam, ProjectTeam.id == ProjectAssessmentTeam.project_team_id)
            .where(
                ProjectAssessmentTeam.assessment_id == assessment.id,
                ProjectAssessmentTeam.active.is_(True),
            )
            .order_by(ProjectTeam.team_number)
        )
    )


def _score(
    session: Session,
    actor: Actor,
    assessment: ProjectAssessment,
    team_id: int,
    criteria: list[int],
    rng: random.Random,
    *,
    overrides: int = 0,
) -> None:
    scores = [ScoreIn(criterion_id=criterion, score=rng.randint(2, 5)) for criterion in criteria]
    scores[0] = ScoreIn(
        criterion_id=criteria[0], score=scores[0].score, comment="Goede taakverdeling."
    )
    members = members_of(session, team_id)
    changed = [
        OverrideIn(
            student_id=member.id,
            criterion_id=criteria[index % len(criteria)],
            score=rng.randint(1, 5),
            reason=REASONS[index % len(REASONS)],
        )
        for index, member in enumerate(members[:overrides])
    ]
    body = SheetIn(
        scores=scores, overrides=changed, comment="Nette samenwerking, sterk eindproduct."
    )
    save_sheet(session, actor, assessment, team_id, body, None)


def build_demo_assessments(session: Session, actor: Actor) -> DemoAssessments:
    rubric = create_rubric(
        session,
        actor,
        RubricCreate(
            title="Projectrubric bovenbouw",
            description="Proces en product van een teamproject; niveaus: " + ", ".join(LEVELS),
            scope="project",
            scale_min=1,
            scale_max=5,
            criteria=[
                CriterionIn(name=name, weight=weight, category=category, descriptors=list(texts))
                for name, weight, category, texts in CRITERIA
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
    rng = random.Random(SCORING_SEED)

    # Published: every team of the Dommel project scored, a few students overridden.
    river = _project(session, actor.school_id, "Waterkwaliteit van de Dommel")
    published = lifecycle.create_assessment(
        session,
        actor,
        river,
        AssessmentCreate(title="Eindbeoordeling Dommel", rubric_id=rubric.id, kind="final"),
    )
    lifecycle.update_assessment(
        session, actor, published, AssessmentUpdate(status=AssessmentStatus.OPEN)
    )
    for index, team_id in enumerate(_linked_teams(session, published)):
        _score(session, actor, published, team_id, criteria, rng, overrides=1 if index < 3 else 0)
    lifecycle.update_assessment(
        session, actor, published, AssessmentUpdate(status=AssessmentStatus.PUBLISHED)
    )

    # Being scored: the schoolyard project open, the first half of its sheets filled.
    schoolyard = _project(session, actor.school_id, "Duurzaam schoolplein")
    scored = lifecycle.create_assessment(
        session,
        actor,
        schoolyard,
        AssessmentCreate(title="Tussentijdse beoordeling", rubric_id=rubric.id, kind="interim"),
    )
    lifecycle.update_assessment(
        session, actor, scored, AssessmentUpdate(status=AssessmentStatus.OPEN)
    )
    teams = _linked_teams(session, scored)
    for team_id in teams[: (len(teams) + 1) // 2]:
        _score(session, actor, scored, team_id, criteria, rng)
    return DemoAssessments(rubric.id, scored.id, published.id)


def remove_demo_assessments(session: Session, school_id: int) -> None:
    """For ``demo.reset_demo``: the demo school's assessments, rubrics and policies, children
    first (results are never deleted otherwise; the demo school is the only one ever removed)."""
    for model in (
        SelfAssessment,
        AssessmentResult,
        AssessmentPublication,
        ProjectAssessmentScore,
        ProjectAssessmentTeam,
        ProjectAssessment,
        RubricCriterion,
        Rubric,
        GradePolicyRow,
    ):
        session.execute(delete(model).where(model.school_id == school_id))
