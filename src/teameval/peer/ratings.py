"""A student's side of a peer evaluation: their list, their form, saving it, their feedback.

A student reaches an evaluation only through a linked team version they are a member of, and
never a draft: anything else is a 404 like an id that does not exist. Every answer is built
from the caller's own rows only; feedback (after publication) gives means and comments without
names, so no response can carry a rater's id or another student's draft (invariant 9).

Saving needs the evaluation ``open`` and ``now`` inside its window (409 otherwise); it reads the
evaluation ``FOR SHARE`` so a close or publish waits for it (and the other way round).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, select
from sqlalchemy.orm import Session

from teameval.access import Principal
from teameval.assessments.rubrics.schemas import CriterionOut
from teameval.audit_trail import Actor, record
from teameval.errors import Conflict, InvalidInput, NotFound
from teameval.kit.inputs import known_id
from teameval.kit.pagination import Page, PageRequest
from teameval.models import (
    PeerEvaluation,
    PeerEvaluationTeam,
    PeerRating,
    PeerStatus,
    PeerSubmission,
    ProjectTeam,
    ProjectTeamMember,
)
from teameval.models.base import utcnow
from teameval.peer.compute import linked_teams, read_rubric
from teameval.peer.schemas import (
    MyPeerEvaluationOut,
    MyPeerFormOut,
    MyRatingOut,
    RatingsPut,
    TeammateOut,
)


def no_such_evaluation(evaluation_id: int) -> NotFound:
    return NotFound(f"Peer evaluation {evaluation_id} does not exist.")


def editable(evaluation: PeerEvaluation, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        evaluation.status == PeerStatus.OPEN.value
        and (evaluation.opens_at is None or evaluation.opens_at <= now)
        and (evaluation.closes_at is None or now < evaluation.closes_at)
    )


def my_evaluations_query(
    principal: Principal,
) -> Select[PeerEvaluation, int, datetime | None, int]:
    """The caller's evaluations (not drafts), newest first, with their own submission."""
    return (
        select(
            PeerEvaluation,
            PeerEvaluationTeam.project_team_id,
            PeerSubmission.submitted_at,
            PeerSubmission.id,
        )
        .join(PeerEvaluationTeam, PeerEvaluationTeam.evaluation_id == PeerEvaluation.id)
        .join(
            ProjectTeamMember,
            ProjectTeamMember.project_team_id == PeerEvaluationTeam.project_team_id,
        )
        .outerjoin(
            PeerSubmission,
            (PeerSubmission.evaluation_id == PeerEvaluation.id)
            & (PeerSubmission.rater_id == principal.user_id),
        )
        .where(
            PeerEvaluation.school_id == principal.school_id,
            PeerEvaluation.status != PeerStatus.DRAFT.value,
            ProjectTeamMember.user_id == principal.user_id,
        )
        .order_by(PeerEvaluation.created_at.desc(), PeerEvaluation.id.desc())
    )


def my_evaluations(
    session: Session, principal: Principal, page: PageRequest
) -> Page[MyPeerEvaluationOut]:
    """One page of the caller's evaluations, in two statements."""
    query = my_evaluations_query(principal)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.execute(query.limit(page.page_size).offset(page.offset)).all()
    return Page[MyPeerEvaluationOut](
        items=[
            MyPeerEvaluationOut(**_summary(evaluation, team_id, submission_id, submitted_at))
            for evaluation, team_id, submitted_at, submission_id in rows
        ],
        total=int(total or 0),
        page=page.page,
        page_size=page.page_size,
    )


def _summary(
    evaluation: PeerEvaluation, team_id: int, submission_id: int | None, submitted_at: Any
) -> dict[str, Any]:
    state = "none" if submission_id is None else ("draft" if submitted_at is None else "submitted")
    return {
        "id": evaluation.id,
        "project_id": evaluation.project_id,
        "title": evaluation.title,
        "status": evaluation.status,
        "include_self": evaluation.include_self,
        "opens_at": evaluation.opens_at,
        "closes_at": evaluation.closes_at,
        "project_team_id": team_id,
        "editable": editable(evaluation),
        "submission": state,
        "submitted_at": submitted_at,
    }


@dataclass(frozen=True)
class Mine:
    evaluation: PeerEvaluation
    team: ProjectTeam


def mine(session: Session, principal: Principal, evaluation_id: int, *, lock: bool = False) -> Mine:
    """The evaluation (not a draft) and the caller's linked team version in it; else 404.
    ``lock``: the evaluation is read ``FOR SHARE`` (PostgreSQL)."""
    known_id(evaluation_id, str(no_such_evaluation(evaluation_id)))
    query = (
        select(PeerEvaluation, ProjectTeam)
        .join(PeerEvaluationTeam, PeerEvaluationTeam.evaluation_id == PeerEvaluation.id)
        .join(ProjectTeam, ProjectTeam.id == PeerEvaluationTeam.project_team_id)
        .join(ProjectTeamMember, ProjectTeamMember.project_team_id == ProjectTeam.id)
        .where(
            PeerEvaluation.id == evaluation_id,
            PeerEvaluation.school_id == principal.school_id,
            PeerEvaluation.status != PeerStatus.DRAFT.value,
            ProjectTeamMember.user_id == principal.user_id,
        )
        .limit(1)
    )
    if lock:
        query = query.with_for_update(read=True, of=PeerEvaluation).execution_options(
            populate_existing=True
        )
    row = session.execute(query).first()
    if row is None:
        raise no_such_evaluation(evaluation_id)
    return Mine(*row)


def _own_ratings(session: Session, evaluation_id: int, rater_id: int) -> Sequence[PeerRating]:
    return session.scalars(
        select(PeerRating)
        .where(PeerRating.evaluation_id == evaluation_id, PeerRating.rater_id == rater_id)
        .order_by(PeerRating.ratee_id, PeerRating.criterion_id)
        .execution_options(populate_existing=True)
    ).all()


def my_form(session: Session, principal: Principal, evaluation_id: int) -> MyPeerFormOut:
    found = mine(session, principal, evaluation_id)
    return _form(session, principal, found)


def _form(session: Session, principal: Principal, found: Mine) -> MyPeerFormOut:
    evaluation, team = found.evaluation, found.team
    rubric, criteria = read_rubric(session, evaluation.rubric_id)
    (linked,) = linked_teams(session, evaluation, team.id)
    submission = session.execute(
        select(PeerSubmission.id, PeerSubmission.submitted_at).where(
            PeerSubmission.evaluation_id == evaluation.id,
            PeerSubmission.rater_id == principal.user_id,
        )
    ).first()
    summary = _summary(
        evaluation,
        team.id,
        None if submission is None else submission.id,
        None if submission is None else submission.submitted_at,
    )
    # The caller first (the form starts with the self-rating), then teammates by name.
    members = [m for m in linked.members if m.id == principal.user_id] + [
        m for m in linked.members if m.id != principal.user_id
    ]
    if not evaluation.include_self:
        members = [m for m in members if m.id != principal.user_id]
    return MyPeerFormOut(
        **summary,
        team_number=team.team_number,
        scale_min=rubric.scale_min,
        scale_max=rubric.scale_max,
        members=[
            TeammateOut(id=m.id, name=m.name, is_self=m.id == principal.user_id) for m in members
        ],
        criteria=[CriterionOut.model_validate(criterion) for criterion in criteria],
        ratings=[
            MyRatingOut(
                ratee_id=row.ratee_id,
                criterion_id=row.criterion_id,
                score=row.score,
                comment=row.comment,
            )
            for row in _own_ratings(session, evaluation.id, principal.user_id)
        ],
    )


def _not_editable(evaluation: PeerEvaluation) -> Conflict:
    now = utcnow()
    if evaluation.status != PeerStatus.OPEN.value:
        reason = f"it is {evaluation.status}; ratings can be saved only while it is open"
    elif evaluation.opens_at is not None and now < evaluation.opens_at:
        reason = f"its window opens at {evaluation.opens_at.isoformat()}"
    else:
        reason = f"its window closed at {evaluation.closes_at.isoformat()}"  # type: ignore[union-attr]
    return Conflict(
        f"Peer evaluation {evaluation.id} takes no ratings now: {reason}.",
        evaluation_status=evaluation.status,
    )


def save_ratings(
    session: Session, principal: Principal, actor: Actor, evaluation_id: int, body: RatingsPut
) -> MyPeerFormOut:
    """Replace the caller's ratings (422 naming each bad one; nothing written then)."""
    found = mine(session, principal, evaluation_id, lock=True)
    evaluation, team = found.evaluation, found.team
    if not editable(evaluation):
        raise _not_editable(evaluation)
    # The team version's link row, exclusively: one team's saves run one after another, so two
    # saves of one form (a double click, two tabs) never both replace the same rows at once.
    session.execute(
        select(PeerEvaluationTeam.id)
        .where(
            PeerEvaluationTeam.evaluation_id == evaluation.id,
            PeerEvaluationTeam.project_team_id == team.id,
        )
        .with_for_update()
    )
    rubric, criteria = read_rubric(session, evaluation.rubric_id)
    (linked,) = linked_teams(session, evaluation, team.id)
    me = principal.user_id
    ratees = [m.id for m in linked.members if evaluation.include_self or m.id != me]
    criterion_ids = [criterion.id for criterion in criteria]
    errors = _rating_errors(
        body, set(ratees), set(criterion_ids), rubric.scale_min, rubric.scale_max, me
    )
    submitted_before = linked.state(me) == "submitted"
    if not errors and (body.submit or submitted_before):
        given = {(rating.ratee_id, rating.criterion_id) for rating in body.ratings}
        missing = [
            {"ratee_id": ratee, "criterion_id": criterion}
            for ratee in ratees
            for criterion in criterion_ids
            if (ratee, criterion) not in given
        ]
        if missing:
            raise InvalidInput(
                f"A submitted form rates everyone on every criterion; {len(missing)} "
                "ratings are missing.",
                errors=[{"field": "ratings", "message": "incomplete"}],
                missing=missing,
            )
    if errors:
        raise InvalidInput("Some ratings are not valid.", errors=errors)
    session.execute(
        delete(PeerRating).where(
            PeerRating.evaluation_id == evaluation.id, PeerRating.rater_id == me
        )
    )
    if body.ratings:
        session.execute(
            insert(PeerRating),
            [
                {
                    "school_id": evaluation.school_id,
                    "evaluation_id": evaluation.id,
                    "rubric_id": evaluation.rubric_id,
                    "criterion_id": rating.criterion_id,
                    "project_team_id": team.id,
                    "rater_id": me,
                    "ratee_id": rating.ratee_id,
                    "score": rating.score,
                    "comment": (rating.comment or "").strip() or None,
                }
                for rating in body.ratings
            ],
        )
    now = utcnow()
    submitted = body.submit or submitted_before
    session.execute(
        delete(PeerSubmission).where(
            PeerSubmission.evaluation_id == evaluation.id, PeerSubmission.rater_id == me
        )
    )
    session.execute(
        insert(PeerSubmission),
        [
            {
                "school_id": evaluation.school_id,
                "evaluation_id": evaluation.id,
                "project_team_id": team.id,
                "rater_id": me,
                "submitted_at": now if submitted else None,
                "updated_at": now,
            }
        ],
    )
    record(
        session,
        actor,
        "peer_rating.save",
        "peer_evaluation",
        evaluation.id,
        {"project_team_id": team.id, "ratings": len(body.ratings), "submitted": submitted},
    )
    return _form(session, principal, found)


def _rating_errors(
    body: RatingsPut,
    ratees: set[int],
    criteria: set[int],
    low: int,
    high: int,
    me: int,
) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    seen: set[tuple[int, int]] = set()
    for index, rating in enumerate(body.ratings):
        at = f"ratings[{index}]"
        if rating.ratee_id not in ratees:
            message = (
                "you do not rate yourself in this evaluation"
                if rating.ratee_id == me
                else "not a member of your team version"
            )
            errors.append({"field": f"{at}.ratee_id", "message": message})
        if rating.criterion_id not in criteria:
            errors.append({"field": f"{at}.criterion_id", "message": "not a criterion of it"})
        if not low <= rating.score <= high:
            errors.append({"field": f"{at}.score", "message": f"must be {low} to {high}"})
        key = (rating.ratee_id, rating.criterion_id)
        if key in seen:
            errors.append({"field": at, "message": "this ratee and criterion twice"})
        seen.add(key)
    return errors
