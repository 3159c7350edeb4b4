"""``/me/assessments``: a student's own published results, and nothing else (invariant 9)."""

from __future__ import annotations

from fastapi import APIRouter

from teameval.assessments.students import service
from teameval.assessments.students.caller import MyAssessmentId
from teameval.assessments.students.schemas import MyAssessmentOut, MyResultOut
from teameval.deps import PrincipalDep, SessionDep
from teameval.kit.pagination import Page, PageDep

router = APIRouter(tags=["assessments"])


@router.get(
    "/me/assessments",
    operation_id="listMyAssessments",
    summary="List the caller's published assessment results, paged.",
    response_model=Page[MyAssessmentOut],
)
def list_my_assessments(
    principal: PrincipalDep, session: SessionDep, page: PageDep
) -> Page[MyAssessmentOut]:
    """Published (not withdrawn) assessments of team versions the caller was in, newest first,
    each with the caller's own grade; nothing of a draft, an open or a closed assessment."""
    return service.my_assessments(session, principal, page)


@router.get(
    "/me/assessments/{assessment_id}",
    operation_id="getMyAssessment",
    summary="Read the caller's own result of a published assessment.",
    response_model=MyResultOut,
)
def get_my_assessment(
    assessment_id: MyAssessmentId, principal: PrincipalDep, session: SessionDep
) -> MyResultOut:
    """The team scores used, the caller's own overrides with their reasons, the comments, the
    grade and how it was computed from the grade policy, as published; 404 for any other
    assessment (another student's, a draft, a withdrawn one)."""
    return service.my_result(session, principal, assessment_id)
