"""Rubrics over HTTP: school-wide, for admins and teachers (students 403 on every route).

Every staff member views and copies every rubric of the school; admins change any, a teacher
the ones they created. A frozen rubric (in use by an assessment past ``draft``) answers a PATCH
with 409 naming ``POST /rubrics/{id}/copy``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response, status

from teameval.access.dependencies import RubricToManage, RubricToView, StaffMember
from teameval.assessments.rubrics import service as rubrics
from teameval.assessments.rubrics.schemas import RubricCreate, RubricOut, RubricUpdate
from teameval.conditional import require_match, set_location, strong_etag
from teameval.deps import PrincipalDep, SessionDep
from teameval.kit.inputs import SingleLine
from teameval.kit.pagination import Page, PageDep, fetch_page

router = APIRouter(tags=["rubrics"])


@router.post(
    "/rubrics",
    operation_id="createRubric",
    summary="Create a rubric.",
    status_code=status.HTTP_201_CREATED,
    response_model=RubricOut,
)
def create_rubric(
    body: RubricCreate,
    staff: StaffMember,
    session: SessionDep,
    request: Request,
    response: Response,
) -> RubricOut:
    """Admins and teachers; the caller becomes its creator (who, as a teacher, may change it)."""
    rubric = rubrics.create_rubric(session, staff.actor, body)
    set_location(request, response, "get_rubric", rubric_id=rubric.id)
    return rubrics.rubric_out(session, rubric)


@router.get(
    "/rubrics",
    operation_id="listRubrics",
    summary="List the school's rubrics, paged.",
    response_model=Page[RubricOut],
)
def list_rubrics(
    staff: StaffMember,
    session: SessionDep,
    page: PageDep,
    scope: Annotated[
        Literal["project", "peer"] | None, Query(description="Only rubrics of this scope.")
    ] = None,
    q: Annotated[SingleLine | None, Query(max_length=100, description="Search titles.")] = None,
) -> Page[RubricOut]:
    """Every rubric of the school by title, each with its criteria (a constant number of
    statements per page)."""
    query = rubrics.rubric_list_query(staff, scope=scope, search=q)
    rows, total = fetch_page(session, query, page)
    return Page[RubricOut](
        items=rubrics.rubrics_out(session, rows),
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.get(
    "/rubrics/{rubric_id}",
    operation_id="getRubric",
    summary="Read one rubric with its criteria.",
    response_model=RubricOut,
)
def get_rubric(rubric: RubricToView, session: SessionDep, response: Response) -> RubricOut:
    """Any rubric of the school, for admins and teachers, with a strong ``ETag`` for
    ``If-Match`` on PATCH; another school's id is a 404."""
    body = rubrics.rubric_out(session, rubric)
    response.headers["ETag"] = strong_etag(body)
    return body


@router.patch(
    "/rubrics/{rubric_id}",
    operation_id="updateRubric",
    summary="Change a rubric's title, description or criteria.",
    response_model=RubricOut,
)
def update_rubric(
    rubric: RubricToManage,
    body: RubricUpdate,
    principal: PrincipalDep,
    session: SessionDep,
    response: Response,
    if_match: Annotated[
        str | None, Header(description="The ETag last read; another one answers 412.")
    ] = None,
) -> RubricOut:
    """Only the fields sent change; ``criteria`` replaces the whole list (with ``id``: updated,
    without: created, left out: removed). A frozen rubric is a 409: copy it instead. With
    ``If-Match``, a rubric changed since it was read is a 412 (two editors never silently
    overwrite each other's criteria)."""
    if if_match is not None:
        # Locked first, so no other change slips in between this comparison and the write.
        rubrics.lock_rubric(session, rubric)
        require_match(if_match, strong_etag(rubrics.rubric_out(session, rubric)))
    rubrics.update_rubric(session, principal.actor, rubric, body)
    written = rubrics.rubric_out(session, rubric)
    response.headers["ETag"] = strong_etag(written)
    return written


@router.post(
    "/rubrics/{rubric_id}/copy",
    operation_id="copyRubric",
    summary="Duplicate a rubric as a new, editable one.",
    status_code=status.HTTP_201_CREATED,
    response_model=RubricOut,
)
def copy_rubric(
    rubric: RubricToView,
    principal: PrincipalDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> RubricOut:
    """A new unfrozen rubric "Title (copy)" with the same scale and criteria, made by the caller
    (``copied_from_id`` names the original). Any staff member who sees a rubric may copy it."""
    copy = rubrics.copy_rubric(session, principal.actor, rubric)
    set_location(request, response, "get_rubric", rubric_id=copy.id)
    return rubrics.rubric_out(session, copy)
