"""``/projects/{id}``: one project: its details, its status with the lifecycle's allowed
transitions as buttons (an archived project is read-only), its teams in figures, and the way on
to the team builder and the project's assessments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response
from sqlalchemy.orm import Session

from teameval.access.pages import PageProjectToManage
from teameval.deps import SessionDep
from teameval.errors import AppError
from teameval.models import Project, ProjectStatus
from teameval.projects import service as projects
from teameval.projects.lifecycle import TRANSITIONS
from teameval.projects.schemas import ProjectUpdate
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import Page, StaffPage
from teameval.web.projects import labels, views

router = APIRouter(include_in_schema=False)


def transitions(project: Project) -> list[tuple[str, str]]:
    """(target status, button text) for each transition the lifecycle allows from here."""
    current = ProjectStatus(project.status)
    return [
        (
            target.value,
            labels.REOPEN_BUTTON
            if current is ProjectStatus.COMPLETED and target is ProjectStatus.ACTIVE
            else labels.TRANSITION_BUTTONS[target.value],
        )
        for target in TRANSITIONS[current]
    ]


def project_page_response(
    page: Page,
    session: Session,
    project: Project,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return page.render(
        "projects/project.html",
        {
            "project": project,
            "summary": views.summary(session, project),
            "transitions": transitions(project),
            "status_names": labels.STATUS_NAMES,
            "status_badges": labels.STATUS_BADGES,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/projects/{project_id}")
def project_page(page: StaffPage, project: PageProjectToManage, session: SessionDep) -> Response:
    return project_page_response(page, session, project)


@router.post("/projects/{project_id}/status", dependencies=[CsrfChecked])
def change_status(
    page: StaffPage,
    project: PageProjectToManage,
    session: SessionDep,
    status: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    try:
        target = ProjectStatus(status)
    except ValueError:
        message = page.gettext("Choose one of the statuses the project can go to.")
        return project_page_response(page, session, project, message, 422)
    before = project.status
    try:
        with session.begin_nested():
            projects.update_project(
                session, page.principal.actor, project, ProjectUpdate(status=target)
            )
    except AppError as refused:  # 409: not an allowed transition, or the project is archived
        session.refresh(project)
        return project_page_response(page, session, project, refused.detail, refused.status)
    if before == project.status:
        return page.redirect(f"/projects/{project.id}")
    message = page.gettext("The project is now “%(status)s”.") % {
        "status": page.gettext(labels.STATUS_NAMES[project.status])
    }
    return page.redirect(f"/projects/{project.id}", flash=message)
