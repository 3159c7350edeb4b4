"""Projects: teachers of the course and admins manage them; enrolled students see some.

A project's lifecycle moves through ``PATCH {status}`` (``projects.lifecycle``); there is no
DELETE: teams, assessments and peer evaluations point at projects, so a project is archived.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status

from teameval.access.dependencies import CourseToTeach, CourseToView, ProjectToManage, ProjectToView
from teameval.conditional import require_match, set_location, strong_etag
from teameval.deps import PrincipalDep, SessionDep
from teameval.kit.pagination import Page, PageDep, fetch_page
from teameval.models import ProjectStatus
from teameval.projects import me
from teameval.projects import service as projects
from teameval.projects.schemas import MyProjectOut, ProjectCreate, ProjectOut, ProjectUpdate

router = APIRouter(tags=["projects"])


@router.post(
    "/courses/{course_id}/projects",
    operation_id="createProject",
    summary="Create a project in a course.",
    status_code=status.HTTP_201_CREATED,
    response_model=ProjectOut,
)
def create_project(
    course: CourseToTeach,
    body: ProjectCreate,
    principal: PrincipalDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> ProjectOut:
    """Admins and the course's teachers; the project starts as ``draft`` (409 when the course is
    deactivated)."""
    project = ProjectOut.model_validate(
        projects.create_project(session, principal.actor, course, body)
    )
    set_location(request, response, "get_project", project_id=project.id)
    response.headers["ETag"] = strong_etag(project)
    return project


@router.get(
    "/courses/{course_id}/projects",
    operation_id="listCourseProjects",
    summary="List a course's projects the caller may see, paged.",
    response_model=Page[ProjectOut],
)
def list_course_projects(
    course: CourseToView,
    principal: PrincipalDep,
    session: SessionDep,
    page: PageDep,
    status_filter: Annotated[
        ProjectStatus | None, Query(alias="status", description="Only projects in this status.")
    ] = None,
) -> Page[ProjectOut]:
    """Staff see every project; a student only the active and completed ones."""
    query = projects.project_list_query(principal, course, status_filter)
    rows, total = fetch_page(session, query, page)
    return Page[ProjectOut](
        items=[ProjectOut.model_validate(project) for project in rows],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.get(
    "/me/projects",
    operation_id="listMyProjects",
    summary="List the projects of the caller's courses, with a student's own team, paged.",
    response_model=Page[MyProjectOut],
)
def my_projects(principal: PrincipalDep, session: SessionDep, page: PageDep) -> Page[MyProjectOut]:
    """A student: the active and completed projects of their courses, each with their current
    team and teammates' names; a teacher: their courses' projects; an admin: the school's."""
    return me.my_projects(session, principal, page)


@router.get(
    "/projects/{project_id}",
    operation_id="getProject",
    summary="Read one project.",
    response_model=ProjectOut,
)
def get_project(project: ProjectToView, response: Response) -> ProjectOut:
    """Any project the caller may see, with a strong ``ETag`` for ``If-Match`` on PATCH."""
    body = ProjectOut.model_validate(project)
    response.headers["ETag"] = strong_etag(body)
    return body


@router.patch(
    "/projects/{project_id}",
    operation_id="updateProject",
    summary="Change some of a project's fields or its status.",
    response_model=ProjectOut,
)
def update_project(
    project: ProjectToManage,
    body: ProjectUpdate,
    principal: PrincipalDep,
    session: SessionDep,
    response: Response,
    if_match: Annotated[
        str | None, Header(description="The ETag last read; another one answers 412.")
    ] = None,
) -> ProjectOut:
    """Only the fields sent change; a status change must be an allowed transition (409 names
    ``from``, ``to`` and ``allowed``); an archived project is read-only (409)."""
    if if_match is not None:
        # Locked first, so no other change slips in between this comparison and the write.
        projects.lock_project(session, project)
        require_match(if_match, strong_etag(ProjectOut.model_validate(project)))
    written = ProjectOut.model_validate(
        projects.update_project(session, principal.actor, project, body)
    )
    response.headers["ETag"] = strong_etag(written)
    return written
