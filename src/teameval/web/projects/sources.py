"""Teams from a source, in two steps: the first post shows the plan (what each team number would
become, who would be skipped; nothing written: ``layout.plan_layout``, the write path's own dry
run), the second (``confirm``) applies it through the source's service, exactly as the API does.

- copy from the course's legacy groups (only while legacy teams are on);
- clone from another project of the course;
- generate random balanced teams of a size, reproducible: the preview's seed is sent again with
  the confirmation, so what is applied is what was shown.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form
from fastapi.responses import Response
from sqlalchemy.orm import Session

from teameval.access.pages import PageProjectToManage
from teameval.deps import SessionDep, StateDep
from teameval.errors import AppError
from teameval.models import Project
from teameval.projects.teams import layout
from teameval.projects.teams.layout import TeamChange
from teameval.projects.teams.schemas import TeamChangeOut
from teameval.projects.teams.sources import service as sources
from teameval.projects.teams.sources.clone import source_project, specs_from_project
from teameval.projects.teams.sources.from_groups import specs_from_groups
from teameval.projects.teams.sources.generate import (
    MAX_TEAM_SIZE,
    MIN_TEAM_SIZE,
    draw_seed,
    generate_specs,
)
from teameval.projects.teams.sources.skipped import SourcedLayout
from teameval.roster.legacy.adapter.mode import require_on as require_legacy_groups
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import Page, StaffPage
from teameval.web.projects import labels, views
from teameval.web.projects.builder import builder_url, outcome_message, render_builder

router = APIRouter(include_in_schema=False)

TEAMS = "/projects/{project_id}/teams"
MAX_SEED = 2**31 - 1


def _changes(items: list[TeamChange] | list[TeamChangeOut]) -> list[TeamChange]:
    return [
        item
        if isinstance(item, TeamChange)
        else TeamChange(
            item.team_number,
            item.action,
            item.team_id,
            item.new_team_id,
            tuple(item.added),
            tuple(item.removed),
        )
        for item in items
    ]


def _joins(names: dict[int, str], change: TeamChange | None) -> list[str]:
    if change is None or change.action == "create":  # a new team's members are all listed
        return []
    return views.names_of(names, change.added)


def _preview(
    page: Page,
    session: Session,
    project: Project,
    sourced: SourcedLayout,
    *,
    replace_all: bool,
    title: str,
    action: str,
    hidden: dict[str, Any],
) -> Response:
    """The plan of ``sourced`` (nothing written) with a form that applies it."""
    changes = layout.plan_layout(session, project, sourced.specs, replace_all=replace_all)
    ids = {m for spec in sourced.specs for m in spec.member_ids}
    ids |= {m for change in changes for m in (*change.added, *change.removed)}
    ids |= {item.student_id for item in sourced.skipped}
    names = views.student_names(session, ids)
    by_number = {change.team_number: change for change in changes}
    proposed = [
        {
            "number": spec.team_number,
            "name": spec.name or page.gettext("Team %(number)s") % {"number": spec.team_number},
            "members": views.names_of(names, spec.member_ids),
            "change": by_number.get(spec.team_number),
            "joins": _joins(names, by_number.get(spec.team_number)),
            "leaves": views.names_of(names, by_number[spec.team_number].removed)
            if spec.team_number in by_number
            else [],
        }
        for spec in sourced.specs
    ]
    named = {spec.team_number for spec in sourced.specs}
    removed = [change for change in changes if change.team_number not in named]
    return page.render(
        "projects/preview.html",
        {
            "project": project,
            "title": title,
            "action": action,
            "hidden": hidden,
            "proposed": proposed,
            "removed_teams": removed,
            "skipped": [
                {"name": names.get(item.student_id, f"#{item.student_id}"), "reason": item.reason}
                for item in sourced.skipped
            ],
            "change_actions": labels.CHANGE_ACTIONS,
            "skip_reasons": labels.SKIP_REASONS,
            "outcome": outcome_message(page, changes),
        },
    )


def _refused(
    page: Page, session: Session, state: Any, project: Project, refused: AppError
) -> Response:
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


def _applied(page: Page, project: Project, changes: list[TeamChange], skipped: int) -> Response:
    message = outcome_message(page, changes)
    if skipped:
        message += ". " + page.ngettext(
            "%(count)s student skipped", "%(count)s students skipped", skipped
        ) % {"count": skipped}
    return page.redirect(builder_url(project), flash=message)


@router.post(TEAMS + "/from-groups", dependencies=[CsrfChecked])
def from_groups(
    page: StaffPage,
    project: PageProjectToManage,
    session: SessionDep,
    state: StateDep,
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    require_legacy_groups(state.settings)  # 410 while legacy teams are off, as the API
    try:
        if not confirm:
            return _preview(
                page,
                session,
                project,
                specs_from_groups(session, project),
                replace_all=True,
                title=page.gettext("Copy the teams from the legacy groups"),
                action=builder_url(project) + "/from-groups",
                hidden={},
            )
        with session.begin_nested():
            result = sources.teams_from_groups(session, page.principal.actor, project)
    except AppError as refused:
        return _refused(page, session, state, project, refused)
    return _applied(page, project, _changes(result.changes), len(result.skipped))


@router.post(TEAMS + "/clone", dependencies=[CsrfChecked])
def clone(
    page: StaffPage,
    project: PageProjectToManage,
    session: SessionDep,
    state: StateDep,
    source_project_id: Annotated[str, Form(max_length=12)] = "",
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    text = source_project_id.strip()
    if not text.isdigit() or len(text) > 9:
        message = page.gettext("Choose the project to copy the teams from.")
        errors = [{"field": "source_project_id", "message": message}]
        return render_builder(
            page,
            session,
            state,
            project,
            errors=errors,
            status_code=422,
            extra={"clone_error": message},
        )
    source_id = int(text)
    try:
        if not confirm:
            source = source_project(session, page.principal, project, source_id)
            return _preview(
                page,
                session,
                project,
                specs_from_project(session, project, source),
                replace_all=True,
                title=page.gettext("Copy the teams of “%(title)s”") % {"title": source.title},
                action=builder_url(project) + "/clone",
                hidden={"source_project_id": source_id},
            )
        with session.begin_nested():
            result = sources.clone_teams(session, page.principal, project, source_id)
    except AppError as refused:
        return _refused(page, session, state, project, refused)
    return _applied(page, project, _changes(result.changes), len(result.skipped))


@router.post(TEAMS + "/generate", dependencies=[CsrfChecked])
def generate(
    page: StaffPage,
    project: PageProjectToManage,
    session: SessionDep,
    state: StateDep,
    team_size: Annotated[str, Form(max_length=12)] = "",
    include: Annotated[Literal["all", "unassigned"], Form()] = "all",
    seed: Annotated[str, Form(max_length=12)] = "",
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    size_text, seed_text = team_size.strip(), seed.strip()
    size = int(size_text) if size_text.isdigit() and len(size_text) <= 4 else 0
    if not MIN_TEAM_SIZE <= size <= MAX_TEAM_SIZE:
        message = page.gettext("Enter a team size from %(min)s to %(max)s.") % {
            "min": MIN_TEAM_SIZE,
            "max": MAX_TEAM_SIZE,
        }
        errors = [{"field": "team_size", "message": message}]
        return render_builder(
            page,
            session,
            state,
            project,
            errors=errors,
            status_code=422,
            extra={"generate_error": message, "generate_size": team_size},
        )
    if seed_text and not (seed_text.isdigit() and int(seed_text) <= MAX_SEED):
        seed_text = ""
    used_seed = int(seed_text) if seed_text else draw_seed()
    unassigned = include == "unassigned"
    try:
        if not confirm:
            generated = generate_specs(
                session, project, size, used_seed, unassigned_only=unassigned
            )
            if not generated.specs and not unassigned:  # as the service refuses it
                message = page.gettext("The course has no enrolled students to put in teams.")
                errors = [{"field": "team_size", "message": message}]
                return render_builder(
                    page,
                    session,
                    state,
                    project,
                    errors=errors,
                    status_code=422,
                    extra={"generate_error": message, "generate_size": team_size},
                )
            sourced = SourcedLayout(specs=generated.specs)
            return _preview(
                page,
                session,
                project,
                sourced,
                replace_all=generated.replace_all,
                title=page.gettext("Generate teams of %(size)s") % {"size": size},
                action=builder_url(project) + "/generate",
                hidden={"team_size": size, "include": include, "seed": used_seed},
            )
        with session.begin_nested():
            result = sources.generate_teams(
                session, page.principal.actor, project, size, used_seed, include
            )
    except AppError as refused:
        return _refused(page, session, state, project, refused)
    return _applied(page, project, _changes(result.changes), 0)
