"""The team builder, ``/projects/{id}/teams``: every current team with its members, the course's
students without a team, and ONE form for the whole layout (per student a "Team" select), so
moving students needs no drag-and-drop and works without JavaScript. A save goes through the one
team write path (``projects.teams.layout``): a locked team is never edited but gets a new
version. Adding a team is here too; the per-team actions are in ``team_actions``, the sources
(groups, clone, generate) in ``sources``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response
from sqlalchemy.orm import Session

from teameval.access.pages import PageProjectToManage
from teameval.deps import SessionDep, StateDep
from teameval.errors import AppError
from teameval.models import Project, ProjectStatus
from teameval.projects.teams import layout
from teameval.projects.teams import service as teams
from teameval.projects.teams.layout import TeamChange, TeamSpec
from teameval.projects.teams.layout_checks import lock_project, require_writable
from teameval.projects.teams.schemas import TeamCreate
from teameval.projects.teams.sources.generate import MAX_TEAM_SIZE, MIN_TEAM_SIZE
from teameval.roster.legacy.adapter.mode import is_on as legacy_groups_on
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import Page, StaffPage
from teameval.web.projects import labels, views
from teameval.web.projects.moves import LayoutFormError, StaleLayout, apply_moves, read_moves

router = APIRouter(include_in_schema=False)

MAX_ROWS = 5000  # the layout's own cap (teams.schemas.MAX_LAYOUT_MEMBERS)
TEAM_NAME_MAX = 200


def builder_url(project: Project) -> str:
    return f"/projects/{project.id}/teams"


def render_builder(
    page: Page,
    session: Session,
    state: Any,
    project: Project,
    *,
    error: str | None = None,
    errors: Sequence[dict[str, str]] = (),
    status_code: int = 200,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The builder page (after a refused save: ``error`` at the top, status 409/422)."""
    data = views.builder(session, page.principal, project)
    return page.render(
        "projects/builder.html",
        {
            "builder": data,
            "project": project,
            "writable": project.status in (ProjectStatus.DRAFT.value, ProjectStatus.ACTIVE.value),
            "groups_source_on": legacy_groups_on(state.settings),
            "lock_reasons": labels.LOCK_REASONS,
            "status_names": labels.STATUS_NAMES,
            "status_badges": labels.STATUS_BADGES,
            "min_team_size": MIN_TEAM_SIZE,
            "max_team_size": MAX_TEAM_SIZE,
            "error": error,
            "errors": list(errors),
            # Set by a refused form, to show the input again beside its message.
            "rename_errors": {},
            "new_team_name": "",
            "new_team_error": None,
            "clone_error": None,
            "generate_error": None,
            "generate_size": "",
            **(extra or {}),
        },
        status_code=status_code,
    )


def outcome_message(page: Page, changes: Sequence[TeamChange]) -> str:
    """ "2 teams changed, 1 new version" (or that nothing changed)."""
    changed = sum(1 for change in changes if change.action != "unchanged")
    versions = sum(1 for change in changes if change.action == "new_version")
    if not changed:
        return page.gettext("Nothing changed.")
    text = page.ngettext("%(count)s team changed", "%(count)s teams changed", changed) % {
        "count": changed
    }
    if versions:
        text += ", " + page.ngettext(
            "%(count)s new version", "%(count)s new versions", versions
        ) % {"count": versions}
    return text


@router.get("/projects/{project_id}/teams")
def builder_page(
    page: StaffPage, project: PageProjectToManage, session: SessionDep, state: StateDep
) -> Response:
    return render_builder(page, session, state, project)


@router.post("/projects/{project_id}/teams/layout", dependencies=[CsrfChecked])
def save_layout(
    page: StaffPage,
    project: PageProjectToManage,
    session: SessionDep,
    state: StateDep,
    student: Annotated[list[str], Form(max_length=MAX_ROWS)] = [],  # noqa: B006 (FastAPI copies)
    was: Annotated[list[str], Form(max_length=MAX_ROWS)] = [],  # noqa: B006
    team: Annotated[list[str], Form(max_length=MAX_ROWS)] = [],  # noqa: B006
) -> Response:
    try:
        moves = read_moves(student, was, team)
    except LayoutFormError:
        message = page.gettext("The layout form was incomplete. Reload the page and try again.")
        return render_builder(page, session, state, project, error=message, status_code=422)
    if not moves:
        return page.redirect(builder_url(project), flash=page.gettext("Nothing changed."))
    try:
        with session.begin_nested():
            status, _ = lock_project(session, project.id)  # the same lock every team write takes
            require_writable(status)
            wanted = apply_moves(views.current_layout(session, project), moves)
            specs = [TeamSpec(number, members) for number, members in wanted.items()]
            outcome = layout.apply_layout(
                session, page.principal.actor, project, specs, replace_all=False
            )
    except StaleLayout:
        message = page.gettext(
            "Someone else changed these teams since you opened this page. Nothing was saved: "
            "check the layout below and make your changes again."
        )
        return render_builder(page, session, state, project, error=message, status_code=409)
    except AppError as refused:
        found = refused.extensions.get("errors") or []
        return render_builder(
            page,
            session,
            state,
            project,
            error=refused.detail,
            errors=found,
            status_code=refused.status,
        )
    return page.redirect(builder_url(project), flash=outcome_message(page, outcome.changes))


@router.post("/projects/{project_id}/teams", dependencies=[CsrfChecked])
def add_team(
    page: StaffPage,
    project: PageProjectToManage,
    session: SessionDep,
    state: StateDep,
    name: Annotated[str, Form(max_length=TEAM_NAME_MAX * 2)] = "",
) -> Response:
    cleaned = name.strip()
    if len(cleaned) > TEAM_NAME_MAX or any(ord(c) < 32 for c in cleaned):
        message = page.gettext("A team name is one line of at most 200 characters.")
        errors = [{"field": "name", "message": message}]
        extra = {"new_team_name": name, "new_team_error": message}
        return render_builder(
            page, session, state, project, errors=errors, status_code=422, extra=extra
        )
    try:
        with session.begin_nested():
            created = teams.create_team(
                session, page.principal.actor, project, TeamCreate(name=cleaned or None)
            )
    except AppError as refused:
        return render_builder(
            page, session, state, project, error=refused.detail, status_code=refused.status
        )
    message = page.gettext("“%(name)s” added.") % {"name": created.display_name_at_time}
    return page.redirect(builder_url(project), flash=message)
