"""Assessments over HTTP: admins and the teachers of the project's course (students 403 on every
route: they see their own published result under ``/me/assessments``).

The lifecycle moves through ``PATCH {status}`` (docs/assessments.md "Lifecycle"); there is no
DELETE: results and publications point at an assessment.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status

from teameval.access.dependencies import (
    AssessmentToManage,
    AssessmentToView,
    ProjectToManage,
    ProjectToView,
    StaffMember,
)
from teameval.assessments.lifecycle import service as assessments
from teameval.assessments.lifecycle.schemas import (
    AssessmentCreate,
    AssessmentOut,
    AssessmentUpdate,
    LinkedTeamOut,
    PublicationOut,
    TeamMemberOut,
)
from teameval.assessments.results.compute import compute
from teameval.conditional import require_match, set_location, strong_etag
from teameval.deps import PrincipalDep, SessionDep
from teameval.kit.pagination import Page, PageDep, fetch_page

router = APIRouter(tags=["assessments"])


@router.post(
    "/projects/{project_id}/assessments",
    operation_id="createAssessment",
    summary="Create an assessment of a project against a rubric.",
    status_code=status.HTTP_201_CREATED,
    response_model=AssessmentOut,
)
def create_assessment(
    project: ProjectToManage,
    body: AssessmentCreate,
    principal: PrincipalDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> AssessmentOut:
    """Admins and the course's teachers. It starts as ``draft`` and links the project's current
    teams; ``rubric_id`` must be a project rubric of the school (else 422 naming it)."""
    assessment = assessments.create_assessment(session, principal.actor, project, body)
    set_location(request, response, "get_assessment", assessment_id=assessment.id)
    created = AssessmentOut.model_validate(assessment)
    response.headers["ETag"] = strong_etag(created)
    return created


@router.get(
    "/projects/{project_id}/assessments",
    operation_id="listProjectAssessments",
    summary="List a project's assessments, paged.",
    response_model=Page[AssessmentOut],
)
def list_project_assessments(
    project: ProjectToView,
    staff: StaffMember,
    session: SessionDep,
    page: PageDep,
) -> Page[AssessmentOut]:
    """Admins and the course's teachers, newest first."""
    rows, total = fetch_page(session, assessments.assessment_list_query(staff, project), page)
    return Page[AssessmentOut](
        items=[AssessmentOut.model_validate(row) for row in rows],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.get(
    "/assessments/{assessment_id}",
    operation_id="getAssessment",
    summary="Read one assessment.",
    response_model=AssessmentOut,
)
def get_assessment(assessment: AssessmentToView, response: Response) -> AssessmentOut:
    """Admins and the teachers of the project's course, with a strong ``ETag`` for ``If-Match``
    on PATCH; another school's id is a 404."""
    body = AssessmentOut.model_validate(assessment)
    response.headers["ETag"] = strong_etag(body)
    return body


@router.patch(
    "/assessments/{assessment_id}",
    operation_id="updateAssessment",
    summary="Change an assessment's fields or its status (open, close, publish, withdraw).",
    response_model=AssessmentOut,
)
def update_assessment(
    assessment: AssessmentToManage,
    body: AssessmentUpdate,
    principal: PrincipalDep,
    session: SessionDep,
    response: Response,
    if_match: Annotated[
        str | None, Header(description="The ETag last read; another one answers 412.")
    ] = None,
) -> AssessmentOut:
    """Title, kind, grade policy and rubric change only while ``draft`` (409 otherwise). A status
    must be an allowed transition (409 names ``from``, ``to``, ``allowed``). Opening freezes the
    rubric and locks the linked teams; publishing refuses incomplete teams and students (409
    listing them) unless ``complete_only``; ``closed`` from ``published`` withdraws."""
    if if_match is not None:
        # Locked first, so no other change slips in between this comparison and the write.
        assessments.lock_assessment(session, assessment)
        require_match(if_match, strong_etag(AssessmentOut.model_validate(assessment)))
    written = AssessmentOut.model_validate(
        assessments.update_assessment(session, principal.actor, assessment, body)
    )
    response.headers["ETag"] = strong_etag(written)
    return written


@router.get(
    "/assessments/{assessment_id}/teams",
    operation_id="listAssessmentTeams",
    summary="List the team versions an assessment assesses, with members and completeness.",
    response_model=Page[LinkedTeamOut],
)
def list_assessment_teams(
    assessment: AssessmentToView, session: SessionDep, page: PageDep
) -> Page[LinkedTeamOut]:
    """The active linked team versions by team number, each with its members and the criteria
    each still misses (a constant number of statements per page)."""
    team_ids, total = fetch_page(session, assessments.linked_team_query(assessment), page)
    computation = compute(session, assessment, team_ids=team_ids)
    items = [
        LinkedTeamOut(
            project_team_id=team.project_team_id,
            team_number=team.team_number,
            name=team.name,
            version=team.version,
            locked=team.locked,
            sheet_version=team.sheet_version,
            comment=team.comment,
            scored=len(team.team_scores),
            criteria=len(computation.criteria),
            complete=computation.team_complete(team),
            members=[
                TeamMemberOut(
                    id=member.student_id,
                    name=member.name,
                    student_number=member.student_number,
                    complete=member.complete,
                    missing=member.missing,
                )
                for member in team.members
            ],
        )
        for team in computation.teams
    ]
    return Page[LinkedTeamOut](items=items, total=total, page=page.page, page_size=page.page_size)


@router.get(
    "/assessments/{assessment_id}/publications",
    operation_id="listAssessmentPublications",
    summary="List an assessment's publications (revisions), newest first, paged.",
    response_model=Page[PublicationOut],
)
def list_assessment_publications(
    assessment: AssessmentToView, session: SessionDep, page: PageDep
) -> Page[PublicationOut]:
    """Every revision ever published, withdrawn ones included, with the policy and rubric each
    froze and its number of results."""
    rows, total = fetch_page(session, assessments.publication_query(assessment), page)
    counts = assessments.result_counts(session, [publication.id for publication in rows])
    items = [
        PublicationOut(
            id=publication.id,
            revision=publication.revision,
            published_at=publication.published_at,
            published_by_id=publication.published_by_id,
            complete_only=publication.complete_only,
            results=counts.get(publication.id, 0),
            withdrawn=publication.withdrawn_at is not None,
            withdrawn_at=publication.withdrawn_at,
            withdrawn_by_id=publication.withdrawn_by_id,
            withdraw_reason=publication.withdraw_reason,
            policy=publication.policy,
            rubric=publication.rubric,
        )
        for publication in rows
    ]
    return Page[PublicationOut](items=items, total=total, page=page.page, page_size=page.page_size)
