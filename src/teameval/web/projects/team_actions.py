"""What the builder does to one team: rename, lock, take a member out, remove (archive) it.
Each goes through the teams service (and so the one write path): a locked team gets a new
version instead of an edit; an old version's id is refused (409) and the builder says so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from teameval.access.pages import PageProjectToManage, PageTeamToManage
from teameval.deps import SessionDep, StateDep
from teameval.errors import AppError
from teameval.models import Project, ProjectTeam
from teameval.projects.teams import layout
from teameval.projects.teams import service as teams
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import Page, StaffPage
from teameval.web.projects.builder import TEAM_NAME_MAX, builder_url, render_builder

router = APIRouter(include_in_schema=False)

TEAM = "/projects/{project_id}/teams/{team_id}"


def _run(
    page: Page,
    session: SessionDep,
    state: StateDep,
    project: Project,
    action: Callable[[], str],
) -> Response:
    """Run ``action`` (which answers the flash) in a savepoint; a refusal re-renders the builder
    with the service's message, nothing changed."""
    try:
        with session.begin_nested():
            message = action()
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
    return page.redirect(builder_url(project), flash=message)


def _versioned(page: Page, before: ProjectTeam, after: ProjectTeam, done: str) -> str:
    if after.id != before.id:
        return (
            done
            + " "
            + page.gettext("The team was locked, so this is version %(version)s.")
            % {"version": after.version}
        )
    return done


@router.post(TEAM + "/rename", dependencies=[CsrfChecked])
def rename_team(
    page: StaffPage,
    project: PageProjectToManage,
    team: PageTeamToManage,
    session: SessionDep,
    state: StateDep,
    name: Annotated[str, Form(max_length=TEAM_NAME_MAX * 2)] = "",
) -> Response:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > TEAM_NAME_MAX or any(ord(c) < 32 for c in cleaned):
        message = page.gettext("A team name is one line of at most 200 characters.")
        errors = [{"field": f"name-{team.id}", "message": message}]
        return render_builder(
            page,
            session,
            state,
            project,
            error=message,
            errors=errors,
            status_code=422,
            extra={"rename_errors": {team.id: (name, message)}},
        )

    def action() -> str:
        changed = teams.rename_team(session, page.principal.actor, project, team, cleaned)
        done = page.gettext("Team %(number)s is now called “%(name)s”.") % {
            "number": changed.team_number,
            "name": changed.display_name_at_time,
        }
        return _versioned(page, team, changed, done)

    return _run(page, session, state, project, action)


@router.post(TEAM + "/lock", dependencies=[CsrfChecked])
def lock_team(
    page: StaffPage,
    project: PageProjectToManage,
    team: PageTeamToManage,
    session: SessionDep,
    state: StateDep,
) -> Response:
    def action() -> str:
        locked = teams.lock_team(session, page.principal.actor, project, team)
        return page.gettext("“%(name)s” is locked: a change to it now makes a new version.") % {
            "name": locked.display_name_at_time
        }

    return _run(page, session, state, project, action)


@router.post(TEAM + "/members/remove", dependencies=[CsrfChecked])
def remove_member(
    page: StaffPage,
    project: PageProjectToManage,
    team: PageTeamToManage,
    session: SessionDep,
    state: StateDep,
    student_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
) -> Response:
    def action() -> str:
        members = layout.current_member_ids(session, team.id)
        if student_id not in members:
            return page.gettext("Nothing changed.")
        remaining = [member for member in members if member != student_id]
        changed = teams.set_members(session, page.principal.actor, project, team, remaining)
        done = page.gettext("The student was taken out of “%(name)s”.") % {
            "name": changed.display_name_at_time
        }
        return _versioned(page, team, changed, done)

    return _run(page, session, state, project, action)


@router.post(TEAM + "/archive", dependencies=[CsrfChecked])
def archive_team(
    page: StaffPage,
    project: PageProjectToManage,
    team: PageTeamToManage,
    session: SessionDep,
    state: StateDep,
) -> Response:
    def action() -> str:
        teams.remove_team(session, page.principal.actor, project, team)
        return page.gettext("“%(name)s” was removed from the project; its history is kept.") % {
            "name": team.display_name_at_time
        }

    return _run(page, session, state, project, action)
