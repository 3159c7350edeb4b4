"""Peer evaluation status transitions: ``draft → open → closed → published``, and
``closed → open`` to reopen before publication (:data:`TRANSITIONS`).

Opening freezes the rubric, links the project's current team versions and locks them;
publishing writes one ``peer_results`` row per student (``teameval.peer.evaluations`` says why).
Each transition adds its ``peer_evaluation.status`` audit row; nothing here commits.
"""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from teameval.assessments.rubrics.service import freeze_rubric
from teameval.audit_trail import Actor, AuditEntry, record_many
from teameval.errors import Conflict
from teameval.models import (
    AssessmentStatus,
    LockReason,
    PeerEvaluation,
    PeerEvaluationTeam,
    PeerResult,
    PeerStatus,
    ProjectAssessment,
    ProjectTeam,
    Rubric,
    RubricCriterion,
)
from teameval.models.base import utcnow
from teameval.peer import compute
from teameval.projects.teams.layout import lock_teams

DRAFT, OPEN, CLOSED, PUBLISHED = (
    PeerStatus.DRAFT,
    PeerStatus.OPEN,
    PeerStatus.CLOSED,
    PeerStatus.PUBLISHED,
)
TRANSITIONS: dict[PeerStatus, tuple[PeerStatus, ...]] = {
    DRAFT: (OPEN,),
    OPEN: (CLOSED,),
    CLOSED: (OPEN, PUBLISHED),
    PUBLISHED: (),
}


def transition(
    session: Session,
    actor: Actor,
    evaluation: PeerEvaluation,
    current: PeerStatus,
    target: PeerStatus,
) -> None:
    """Move ``evaluation`` from ``current`` to ``target`` (the caller checked it is allowed)."""
    now = utcnow()
    entry = AuditEntry(
        "peer_evaluation.status",
        "peer_evaluation",
        evaluation.id,
        {"from": current.value, "to": target.value},
    )
    if target is OPEN and current is DRAFT:
        entry.changes["locked_team_ids"] = _open_teams(session, actor, evaluation)
    if target is OPEN:
        evaluation.opened_at = now
    if target is CLOSED:
        evaluation.closed_at = now
    if target is PUBLISHED:
        entry.changes["results"] = _publish(session, evaluation)
        evaluation.published_at = now
    evaluation.status = target.value
    session.flush()
    record_many(session, actor, [entry])


def _open_teams(session: Session, actor: Actor, evaluation: PeerEvaluation) -> list[int]:
    """Freeze the rubric, link the project's current team versions and lock them; the ids of
    the versions linked. A project without teams has nobody to rate (409)."""
    teams = list(
        session.scalars(
            select(ProjectTeam)
            .where(ProjectTeam.project_id == evaluation.project_id, ProjectTeam.is_current)
            .order_by(ProjectTeam.id)
        )
    )
    if not teams:
        raise Conflict(
            f"Project {evaluation.project_id} has no teams: there is nobody to rate. "
            "Make the teams first."
        )
    rubric = session.execute(select(Rubric).where(Rubric.id == evaluation.rubric_id)).scalar_one()
    has_criteria = session.scalar(
        select(RubricCriterion.id).where(RubricCriterion.rubric_id == rubric.id).limit(1)
    )
    if has_criteria is None:
        raise Conflict(
            f"Rubric {rubric.id} has no criteria: there is nothing to rate. Add criteria to it "
            "(or choose another rubric) first."
        )
    freeze_rubric(session, actor, rubric, f"peer evaluation {evaluation.id} opened")
    session.execute(
        insert(PeerEvaluationTeam),
        [
            {
                "school_id": evaluation.school_id,
                "evaluation_id": evaluation.id,
                "project_team_id": team.id,
            }
            for team in teams
        ],
    )
    lock_teams(
        session,
        actor,
        [t for t in teams if not t.locked],
        LockReason.PEER_EVALUATION,
        evaluation.id,
    )
    return [team.id for team in teams]


def _publish(session: Session, evaluation: PeerEvaluation) -> int:
    """Write every student's result (one bulk insert); how many."""
    if evaluation.assessment_id is not None:
        status = session.scalar(
            select(ProjectAssessment.status).where(ProjectAssessment.id == evaluation.assessment_id)
        )
        if status != AssessmentStatus.PUBLISHED.value:
            raise Conflict(
                f"Assessment {evaluation.assessment_id} is {status}; publish it first, so the "
                "grades corrected are the ones the students were given.",
                assessment_status=status,
            )
    outcome = compute.compute(session, evaluation)
    rows = [
        {
            "school_id": evaluation.school_id,
            "evaluation_id": evaluation.id,
            "student_id": student.student_id,
            "project_team_id": student.project_team_id,
            "submitted": student.submitted,
            "model": outcome.settings.model,
            "weighting": evaluation.weighting,
            "factor": student.factor_decimal,
            "factors": student.factors.to_dict(),
            "base_grade": student.base_grade,
            "grade": student.grade,
            "flags": student.flags,
        }
        for student in outcome.students
    ]
    if rows:
        session.execute(insert(PeerResult), rows)
    return len(rows)
