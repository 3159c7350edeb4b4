"""Peer evaluations over HTTP for admins and the teachers of the project's course (students 403
on every route here: they reach an evaluation only under ``/me/peer-evaluations``).

The lifecycle moves through ``PATCH {status}``; there is no DELETE: ratings and published
results point at an evaluation.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response, status

from teameval.access.dependencies import (
    PeerEvaluationToManage,
    PeerEvaluationToView,
    ProjectToManage,
    ProjectToView,
    StaffMember,
)
from teameval.conditional import require_match, set_location, strong_etag
from teameval.deps import PrincipalDep, SessionDep
from teameval.kit.pagination import Page, PageDep, fetch_page
from teameval.models import PeerEvaluation
from teameval.peer import evaluations, reports
from teameval.peer.schemas import (
    FactorsOut,
    MatrixOut,
    MatrixRatingOut,
    PeerEvaluationCreate,
    PeerEvaluationOut,
    PeerEvaluationUpdate,
    PreviewOut,
    ProgressOut,
    RatingHide,
)

router = APIRouter(tags=["peer evaluations"])

# GETs that compute grades answer 409 when the linked assessment's grade policy no longer fits
# it (``assessments.results.compute``), and the preview when no assessment is linked.
POLICY_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "The linked assessment's grades cannot be computed."}
}

ONE = "/peer-evaluations/{evaluation_id}"


def _out(session: SessionDep, evaluation: PeerEvaluation) -> PeerEvaluationOut:
    linked = evaluations.linked_team_ids(session, [evaluation.id])[evaluation.id]
    return reports.evaluation_out(evaluation, linked)


@router.post(
    "/projects/{project_id}/peer-evaluations",
    operation_id="createPeerEvaluation",
    summary="Create a peer evaluation of a project's teams.",
    status_code=status.HTTP_201_CREATED,
    response_model=PeerEvaluationOut,
)
def create_peer_evaluation(
    project: ProjectToManage,
    body: PeerEvaluationCreate,
    principal: PrincipalDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> PeerEvaluationOut:
    """Admins and the course's teachers. It starts as ``draft``; ``rubric_id`` must be a peer
    rubric of the school and ``assessment_id`` an assessment of this project (422 naming the
    field otherwise)."""
    evaluation = evaluations.create_evaluation(session, principal.actor, project, body)
    set_location(request, response, "get_peer_evaluation", evaluation_id=evaluation.id)
    created = _out(session, evaluation)
    response.headers["ETag"] = strong_etag(created)
    return created


@router.get(
    "/projects/{project_id}/peer-evaluations",
    operation_id="listProjectPeerEvaluations",
    summary="List a project's peer evaluations, paged.",
    response_model=Page[PeerEvaluationOut],
)
def list_project_peer_evaluations(
    project: ProjectToView, staff: StaffMember, session: SessionDep, page: PageDep
) -> Page[PeerEvaluationOut]:
    """Admins and the course's teachers, newest first."""
    rows, total = fetch_page(session, evaluations.evaluation_list_query(staff, project), page)
    linked = evaluations.linked_team_ids(session, [row.id for row in rows])
    return Page[PeerEvaluationOut](
        items=[reports.evaluation_out(row, linked[row.id]) for row in rows],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.get(
    ONE,
    operation_id="getPeerEvaluation",
    summary="Read one peer evaluation.",
    response_model=PeerEvaluationOut,
)
def get_peer_evaluation(
    evaluation: PeerEvaluationToView, session: SessionDep, response: Response
) -> PeerEvaluationOut:
    """With a strong ``ETag`` for ``If-Match`` on PATCH; another school's id is a 404."""
    body = _out(session, evaluation)
    response.headers["ETag"] = strong_etag(body)
    return body


@router.patch(
    ONE,
    operation_id="updatePeerEvaluation",
    summary="Change a peer evaluation's settings or its status (open, close, publish).",
    response_model=PeerEvaluationOut,
)
def update_peer_evaluation(
    evaluation: PeerEvaluationToManage,
    body: PeerEvaluationUpdate,
    principal: PrincipalDep,
    session: SessionDep,
    response: Response,
    if_match: Annotated[
        str | None, Header(description="The ETag last read; another one answers 412.")
    ] = None,
) -> PeerEvaluationOut:
    """The correction setting (model, weighting, non_submitter, penalty, assessment_id,
    thresholds) changes until publication, the other settings only while ``draft`` (409 naming
    the fields and the status). A status must be an allowed
    transition (409 naming ``from``, ``to``, ``allowed``). Opening locks and links the project's
    current team versions; publishing needs ``closed`` (and the linked assessment published)
    and writes every student's result."""
    if if_match is not None:
        # Locked first, so no other change slips in between this comparison and the write.
        evaluations.lock_evaluation(session, evaluation)
        require_match(if_match, strong_etag(_out(session, evaluation)))
    written = _out(
        session, evaluations.update_evaluation(session, principal.actor, evaluation, body)
    )
    response.headers["ETag"] = strong_etag(written)
    return written


@router.get(
    ONE + "/progress",
    operation_id="getPeerEvaluationProgress",
    summary="Read who has submitted, per linked team version.",
    response_model=ProgressOut,
)
def get_peer_evaluation_progress(
    evaluation: PeerEvaluationToView, session: SessionDep
) -> ProgressOut:
    """Every member of every linked team version with ``none``, ``draft`` or ``submitted``."""
    return reports.progress(session, evaluation)


TeamQuery = Annotated[
    int, Query(description="A team version linked to the evaluation (its project team id).")
]


@router.get(
    ONE + "/matrix",
    operation_id="getPeerEvaluationMatrix",
    summary="Read one linked team version's ratings, rater by ratee by criterion.",
    response_model=MatrixOut,
)
def get_peer_evaluation_matrix(
    evaluation: PeerEvaluationToView, team_id: TeamQuery, session: SessionDep
) -> MatrixOut:
    """Every rating with its rater, drafts included (``submitted`` false); 404 for a team
    version the evaluation did not link."""
    return reports.matrix(session, evaluation, team_id)


@router.get(
    ONE + "/factors",
    operation_id="getPeerEvaluationFactors",
    summary="Read every student's correction factor under each model, with flags.",
    response_model=FactorsOut,
    responses=POLICY_CONFLICT,
)
def get_peer_evaluation_factors(
    evaluation: PeerEvaluationToView, session: SessionDep
) -> FactorsOut:
    """Factors as decimal strings with 4 decimals, from the submitted ratings so far, after the
    non-submitter rule; flags under the evaluation's model."""
    return reports.factors(session, evaluation)


@router.get(
    ONE + "/preview",
    operation_id="getPeerEvaluationPreview",
    summary="Preview every student's grade uncorrected and under each model.",
    response_model=PreviewOut,
    responses={409: {"description": "No assessment linked, or its grades cannot be computed."}},
)
def get_peer_evaluation_preview(
    evaluation: PeerEvaluationToView, session: SessionDep
) -> PreviewOut:
    """The fairness preview: G from the linked assessment (409 without one), then the grade
    under none, webpa, catme and gcf with this evaluation's w, rule and penalty."""
    return reports.preview(session, evaluation)


@router.get(
    ONE + "/export.csv",
    operation_id="exportPeerEvaluation",
    summary="Export every student's factors, flags and grade as CSV.",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "UTF-8 CSV with BOM, one student a row.",
        },
        **POLICY_CONFLICT,
    },
)
def export_peer_evaluation(evaluation: PeerEvaluationToView, session: SessionDep) -> Response:
    """The columns: team, project_team_id, student_id, student_number, name, submitted, webpa,
    catme, gcf, model, factor, base_grade, grade, flags (space separated)."""
    export = reports.export_csv(session, evaluation)
    return Response(
        content=export.content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )


RatingId = Annotated[int, Path(description="A rating of this peer evaluation.")]


@router.patch(
    ONE + "/ratings/{rating_id}",
    operation_id="hidePeerRatingComment",
    summary="Hide a rating's comment from its ratee (or show it again).",
    response_model=MatrixRatingOut,
)
def hide_peer_rating_comment(
    evaluation: PeerEvaluationToManage,
    rating_id: RatingId,
    body: RatingHide,
    principal: PrincipalDep,
    session: SessionDep,
) -> MatrixRatingOut:
    """Before publication only (409 after); the score still counts."""
    evaluations.lock_evaluation(session, evaluation)
    return reports.hide_comment(
        session, principal.actor, evaluation, rating_id, body.comment_hidden
    )
