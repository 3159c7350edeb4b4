"""``/me/peer-evaluations``: a student's own side of peer evaluations (issue 13).

Every role may call these routes; each answers only what is the caller's own, so staff get an
empty list and the same 404 an unknown id gets. No answer names a rater or shows another
student's rating (invariant 9): the bodies have no field that could.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from teameval.deps import PrincipalDep, SessionDep
from teameval.kit.pagination import Page, PageDep
from teameval.peer import feedback, ratings
from teameval.peer.schemas import FeedbackOut, MyPeerEvaluationOut, MyPeerFormOut, RatingsPut

router = APIRouter(tags=["peer evaluations"])

MyEvaluationId = Annotated[
    int, Path(description="A peer evaluation of a team version the caller is a member of.")
]
MINE = "/me/peer-evaluations/{evaluation_id}"


@router.get(
    "/me/peer-evaluations",
    operation_id="listMyPeerEvaluations",
    summary="List the caller's peer evaluations with their own submission state, paged.",
    response_model=Page[MyPeerEvaluationOut],
)
def list_my_peer_evaluations(
    principal: PrincipalDep, session: SessionDep, page: PageDep
) -> Page[MyPeerEvaluationOut]:
    """Open, closed and published evaluations of team versions the caller is in, newest first;
    never a draft."""
    return ratings.my_evaluations(session, principal, page)


@router.get(
    MINE,
    operation_id="getMyPeerEvaluation",
    summary="Read the caller's peer evaluation form.",
    response_model=MyPeerFormOut,
)
def get_my_peer_evaluation(
    evaluation_id: MyEvaluationId, principal: PrincipalDep, session: SessionDep
) -> MyPeerFormOut:
    """Whom they rate (names only; themselves first with ``include_self``), the criteria with
    their descriptors and the caller's own saved ratings; 404 for any other evaluation."""
    return ratings.my_form(session, principal, evaluation_id)


@router.put(
    MINE + "/ratings",
    operation_id="saveMyPeerRatings",
    summary="Replace the caller's ratings, as a draft or submitted.",
    response_model=MyPeerFormOut,
)
def save_my_peer_ratings(
    evaluation_id: MyEvaluationId,
    body: RatingsPut,
    principal: PrincipalDep,
    session: SessionDep,
) -> MyPeerFormOut:
    """Only while open and within the window (409). Ratees are the caller's teammates in that
    team version (and themselves with ``include_self``), scores within the scale (422 naming
    each bad rating). A submitted form rates everyone on every criterion."""
    return ratings.save_ratings(session, principal, principal.actor, evaluation_id, body)


@router.get(
    MINE + "/feedback",
    operation_id="getMyPeerFeedback",
    summary="Read the feedback the caller's peers gave them, without names.",
    response_model=FeedbackOut,
    responses={409: {"description": "The evaluation is not published yet."}},
)
def get_my_peer_feedback(
    evaluation_id: MyEvaluationId, principal: PrincipalDep, session: SessionDep
) -> FeedbackOut:
    """After publication only (409 before): per criterion the mean of the peers' scores and
    the caller's own self-score, the peers' comments the teacher did not hide, and the
    caller's published result."""
    return feedback.feedback(session, principal, evaluation_id)
