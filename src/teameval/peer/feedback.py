"""A student's feedback from a published peer evaluation: per criterion the mean of their
submitted peers' scores beside their own self-score, their peers' comments the teacher did not
hide, without names, and their own published result. Nothing of it before publication (409),
and never a rater: the answer is built from aggregates and texts only (invariant 9).
"""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.access import Principal
from teameval.assessments.grading import decimal_text, round_half_up
from teameval.errors import Conflict
from teameval.models import PeerRating, PeerResult, PeerStatus, PeerSubmission
from teameval.peer.compute import read_rubric
from teameval.peer.ratings import mine
from teameval.peer.schemas import FeedbackCriterionOut, FeedbackOut, MyResultOut


def feedback(session: Session, principal: Principal, evaluation_id: int) -> FeedbackOut:
    """After publication: per criterion the mean of the submitted peers' scores and the caller's
    own self-score; peers' comments not hidden, without names, in text order (not rater order,
    which could tell who wrote what); the caller's own published result. 409 before."""
    found = mine(session, principal, evaluation_id)
    evaluation = found.evaluation
    if evaluation.status != PeerStatus.PUBLISHED.value:
        raise Conflict(
            f"Peer evaluation {evaluation.id} is {evaluation.status}; feedback is shown once it "
            "is published.",
            evaluation_status=evaluation.status,
        )
    _rubric, criteria = read_rubric(session, evaluation.rubric_id)
    me = principal.user_id
    submitted = select(PeerSubmission.rater_id).where(
        PeerSubmission.evaluation_id == evaluation.id, PeerSubmission.submitted_at.is_not(None)
    )
    received = session.execute(
        select(
            PeerRating.rater_id,
            PeerRating.criterion_id,
            PeerRating.score,
            PeerRating.comment,
            PeerRating.comment_hidden,
        ).where(
            PeerRating.evaluation_id == evaluation.id,
            PeerRating.ratee_id == me,
            PeerRating.rater_id.in_(submitted),
        )
    ).all()
    peer_scores: dict[int, list[int]] = {}
    self_scores: dict[int, int] = {}
    comments: list[str] = []
    for rater, criterion, score, comment, hidden in received:
        if rater == me:
            self_scores[criterion] = score
            continue
        peer_scores.setdefault(criterion, []).append(score)
        if comment and not hidden:
            comments.append(comment)
    result = session.scalar(
        select(PeerResult).where(
            PeerResult.evaluation_id == evaluation.id, PeerResult.student_id == me
        )
    )
    return FeedbackOut(
        evaluation_id=evaluation.id,
        title=evaluation.title,
        criteria=[
            FeedbackCriterionOut(
                criterion_id=criterion.id,
                name=criterion.name,
                peer_mean=_mean(peer_scores.get(criterion.id, [])),
                peer_ratings=len(peer_scores.get(criterion.id, [])),
                self_score=self_scores.get(criterion.id),
            )
            for criterion in criteria
        ],
        comments=sorted(comments),
        result=None
        if result is None
        else MyResultOut(
            model=result.model,
            factor=f"{result.factor:.4f}",
            base_grade=None if result.base_grade is None else decimal_text(result.base_grade),
            grade=None if result.grade is None else decimal_text(result.grade),
        ),
    )


def _mean(scores: list[int]) -> str | None:
    if not scores:
        return None
    return str(round_half_up(Fraction(sum(scores), len(scores)), 2))
