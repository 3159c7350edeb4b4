"""What the teacher reads of a peer evaluation: itself, its progress, one team's matrix, the
factors, the fairness preview and the CSV export; and hiding a comment before publication.

Everything but the evaluation itself and the matrix comes from ``peer.compute``: the factors,
flags and grades shown are those publishing would write. Staff see every rating with its rater,
drafts included (marked): they are who the anonymity is held against students for, not from.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.assessments.grading import decimal_text
from teameval.assessments.rubrics.schemas import CriterionOut
from teameval.audit_trail import Actor, record
from teameval.errors import Conflict, NotFound
from teameval.kit.csv_files import write_csv
from teameval.kit.inputs import known_id
from teameval.models import PeerEvaluation, PeerRating, PeerStatus
from teameval.peer import compute
from teameval.peer.schemas import (
    FactorsOut,
    MatrixMemberOut,
    MatrixOut,
    MatrixRatingOut,
    PeerEvaluationOut,
    PreviewOut,
    PreviewStudentOut,
    ProgressMemberOut,
    ProgressOut,
    ProgressTeamOut,
    StudentFactorsOut,
)


def evaluation_out(evaluation: PeerEvaluation, linked_team_ids: list[int]) -> PeerEvaluationOut:
    return PeerEvaluationOut(
        id=evaluation.id,
        project_id=evaluation.project_id,
        rubric_id=evaluation.rubric_id,
        assessment_id=evaluation.assessment_id,
        title=evaluation.title,
        include_self=evaluation.include_self,
        opens_at=evaluation.opens_at,
        closes_at=evaluation.closes_at,
        status=evaluation.status,
        model=evaluation.model,
        weighting=decimal_text(evaluation.weighting),
        non_submitter=evaluation.non_submitter,
        penalty=decimal_text(evaluation.penalty),
        thresholds=compute.thresholds_text(evaluation.thresholds),
        linked_team_ids=linked_team_ids,
        created_by_id=evaluation.created_by_id,
        opened_at=evaluation.opened_at,
        closed_at=evaluation.closed_at,
        published_at=evaluation.published_at,
        created_at=evaluation.created_at,
        updated_at=evaluation.updated_at,
    )


def progress(session: Session, evaluation: PeerEvaluation) -> ProgressOut:
    teams = compute.linked_teams(session, evaluation)
    items = []
    for linked in teams:
        members = [
            ProgressMemberOut(
                id=member.id,
                name=member.name,
                submission=linked.state(member.id),
                submitted_at=linked.submitted_at.get(member.id),
            )
            for member in linked.members
        ]
        items.append(
            ProgressTeamOut(
                project_team_id=linked.team.id,
                team_number=linked.team.team_number,
                name=linked.team.display_name_at_time,
                version=linked.team.version,
                size=len(members),
                submitted=sum(1 for m in members if m.submission == "submitted"),
                members=members,
            )
        )
    return ProgressOut(
        evaluation_id=evaluation.id,
        status=evaluation.status,
        students=sum(team.size for team in items),
        submitted=sum(team.submitted for team in items),
        teams=items,
    )


def not_linked(evaluation_id: int, team_id: int) -> NotFound:
    return NotFound(f"Team version {team_id} is not linked to peer evaluation {evaluation_id}.")


def matrix(session: Session, evaluation: PeerEvaluation, team_id: int) -> MatrixOut:
    """Rater by ratee by criterion of one linked team version (404 for any other id)."""
    known_id(team_id, str(not_linked(evaluation.id, team_id)))
    found = compute.linked_teams(session, evaluation, team_id)
    if not found:
        raise not_linked(evaluation.id, team_id)
    (linked,) = found
    _rubric, criteria = compute.read_rubric(session, evaluation.rubric_id)
    rows = session.scalars(
        select(PeerRating)
        .where(PeerRating.evaluation_id == evaluation.id, PeerRating.project_team_id == team_id)
        .order_by(PeerRating.rater_id, PeerRating.ratee_id, PeerRating.criterion_id)
    ).all()
    return MatrixOut(
        evaluation_id=evaluation.id,
        project_team_id=team_id,
        members=[MatrixMemberOut(id=m.id, name=m.name) for m in linked.members],
        criteria=[CriterionOut.model_validate(criterion) for criterion in criteria],
        ratings=[
            MatrixRatingOut(
                id=row.id,
                rater_id=row.rater_id,
                ratee_id=row.ratee_id,
                criterion_id=row.criterion_id,
                score=row.score,
                comment=row.comment,
                comment_hidden=row.comment_hidden,
                submitted=linked.state(row.rater_id) == "submitted",
            )
            for row in rows
        ],
    )


def _factors_item(student: compute.StudentOutcome) -> dict[str, object]:
    return {
        "student_id": student.student_id,
        "name": student.name,
        "project_team_id": student.project_team_id,
        "submitted": student.submitted,
        **student.factor_texts(),
        "flags": student.flags,
    }


def factors(session: Session, evaluation: PeerEvaluation) -> FactorsOut:
    outcome = compute.compute(session, evaluation)
    return FactorsOut(
        evaluation_id=evaluation.id,
        model=evaluation.model,
        students=[StudentFactorsOut(**_factors_item(s)) for s in outcome.students],
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value)


def preview(session: Session, evaluation: PeerEvaluation) -> PreviewOut:
    """Each student's grade uncorrected and under every model, side by side (409 without a
    linked assessment: there is no grade to correct)."""
    if evaluation.assessment_id is None:
        raise Conflict(
            f"Peer evaluation {evaluation.id} corrects no assessment; link one (assessment_id, "
            "until it is published) to preview grades. The factors are at .../factors."
        )
    outcome = compute.compute(session, evaluation)
    return PreviewOut(
        evaluation_id=evaluation.id,
        assessment_id=evaluation.assessment_id,
        model=evaluation.model,
        weighting=decimal_text(evaluation.weighting),
        non_submitter=evaluation.non_submitter,
        penalty=decimal_text(evaluation.penalty),
        students=[
            PreviewStudentOut(
                **_factors_item(s),
                base_grade=_text(s.base_grade),
                grades={model: _text(grade) for model, grade in s.grades.items()},
            )
            for s in outcome.students
        ],
    )


EXPORT_COLUMNS = [
    "team",
    "project_team_id",
    "student_id",
    "student_number",
    "name",
    "submitted",
    "webpa",
    "catme",
    "gcf",
    "model",
    "factor",
    "base_grade",
    "grade",
    "flags",
]


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes


def export_csv(session: Session, evaluation: PeerEvaluation) -> ExportFile:
    """One student a row, as ``compute`` has it now (what publishing writes, or wrote)."""
    outcome = compute.compute(session, evaluation)
    rows = [
        [
            str(s.team_number),
            str(s.project_team_id),
            str(s.student_id),
            s.student_number or "",
            s.name,
            "yes" if s.submitted else "no",
            *s.factor_texts().values(),
            evaluation.model,
            f"{s.factor_decimal:.4f}",
            _text(s.base_grade) or "",
            _text(s.grade) or "",
            " ".join(s.flags),
        ]
        for s in outcome.students
    ]
    return ExportFile(f"peer-evaluation-{evaluation.id}.csv", write_csv(EXPORT_COLUMNS, rows))


def hide_comment(
    session: Session, actor: Actor, evaluation: PeerEvaluation, rating_id: int, hidden: bool
) -> MatrixRatingOut:
    """Hide (or show again) a rating's comment from its ratee's feedback; before publication
    only (409 after: what students were shown does not change)."""
    detail = f"Rating {rating_id} does not exist in peer evaluation {evaluation.id}."
    known_id(rating_id, detail)
    row = session.scalar(
        select(PeerRating)
        .where(PeerRating.id == rating_id, PeerRating.evaluation_id == evaluation.id)
        .with_for_update()
    )
    if row is None:
        raise NotFound(detail)
    if evaluation.status == PeerStatus.PUBLISHED.value:
        raise Conflict(
            f"Peer evaluation {evaluation.id} is published; its comments no longer change.",
            evaluation_status=evaluation.status,
        )
    if row.comment_hidden != hidden:
        record(
            session,
            actor,
            "peer_rating.comment_hidden",
            "peer_evaluation",
            evaluation.id,
            {"rating_id": row.id, "comment_hidden": [row.comment_hidden, hidden]},
        )
        row.comment_hidden = hidden
        session.flush()
    submitted = compute.linked_teams(session, evaluation, row.project_team_id)[0]
    return MatrixRatingOut(
        id=row.id,
        rater_id=row.rater_id,
        ratee_id=row.ratee_id,
        criterion_id=row.criterion_id,
        score=row.score,
        comment=row.comment,
        comment_hidden=row.comment_hidden,
        submitted=submitted.state(row.rater_id) == "submitted",
    )
