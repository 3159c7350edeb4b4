"""Each source's layout applied through the one team write path (``teams.layout``), answered in
the layout PUT's shape. A source replaces the project's layout: teams it does not name are
archived, a changed locked team gets a new version. Services never commit."""

from __future__ import annotations

from sqlalchemy.orm import Session

from teameval.access.principal import Principal
from teameval.audit_trail import Actor
from teameval.config import Settings
from teameval.errors import InvalidInput
from teameval.models import Project
from teameval.projects.teams import layout
from teameval.projects.teams.sources.clone import source_project, specs_from_project
from teameval.projects.teams.sources.csv_import import read_layout
from teameval.projects.teams.sources.from_groups import specs_from_groups
from teameval.projects.teams.sources.generate import draw_seed, generate_specs
from teameval.projects.teams.sources.schemas import (
    GeneratedLayoutOut,
    ImportOut,
    LineErrorOut,
    SkippedOut,
    SourcedLayoutOut,
)
from teameval.projects.teams.sources.skipped import SourcedLayout
from teameval.projects.teams.sources.team_bodies import change_bodies, team_bodies


def _apply_sourced(
    session: Session, actor: Actor, project: Project, sourced: SourcedLayout
) -> SourcedLayoutOut:
    outcome = layout.apply_layout(session, actor, project, sourced.specs, replace_all=True)
    return SourcedLayoutOut(
        teams=team_bodies(session, outcome.teams),
        changes=change_bodies(outcome.changes),
        skipped=[
            SkippedOut(
                student_id=item.student_id,
                reason=item.reason,
                group_id=item.group_id,
                team_id=item.team_id,
            )
            for item in sourced.skipped
        ],
    )


def teams_from_groups(session: Session, actor: Actor, project: Project) -> SourcedLayoutOut:
    return _apply_sourced(session, actor, project, specs_from_groups(session, project))


def clone_teams(
    session: Session, principal: Principal, project: Project, source_project_id: int
) -> SourcedLayoutOut:
    source = source_project(session, principal, project, source_project_id)
    sourced = specs_from_project(session, project, source)
    return _apply_sourced(session, principal.actor, project, sourced)


def generate_teams(
    session: Session,
    actor: Actor,
    project: Project,
    team_size: int,
    seed: int | None = None,
    include: str = "all",
    *,
    commit: bool = True,
) -> GeneratedLayoutOut:
    """Deal the students into teams; ``commit=False`` answers the plan and writes nothing."""
    used_seed = draw_seed() if seed is None else seed
    unassigned = include == "unassigned"
    generated = generate_specs(session, project, team_size, used_seed, unassigned_only=unassigned)
    if not generated.specs and not unassigned:
        message = "The course has no actively enrolled students to put in teams."
        raise InvalidInput(message, errors=[{"field": "team_size", "message": message}])
    if commit:
        outcome = layout.apply_layout(
            session, actor, project, generated.specs, replace_all=generated.replace_all
        )
        teams, changes = team_bodies(session, outcome.teams), outcome.changes
    else:
        teams = []
        changes = layout.plan_layout(
            session, project, generated.specs, replace_all=generated.replace_all
        )
    return GeneratedLayoutOut(
        teams=teams,
        changes=change_bodies(changes),
        seed=used_seed,
        team_size=team_size,
        include="unassigned" if unassigned else "all",
    )


def import_teams(
    session: Session,
    actor: Actor,
    project: Project,
    data: bytes,
    settings: Settings,
    *,
    commit: bool,
) -> ImportOut:
    """Preview (``commit=False``): the plan, nothing written. Commit: the same plan applied; a
    file with any line error is refused whole (422 carrying the same report)."""
    imported = read_layout(
        session,
        project,
        data,
        max_bytes=settings.import_max_bytes,
        max_rows=settings.import_max_rows,
    )
    report = ImportOut(
        mode="commit" if commit else "preview",
        valid=imported.valid,
        committed=False,
        encoding=imported.encoding,
        delimiter=imported.delimiter,
        errors=[
            LineErrorOut(line=error.line, field=error.field, message=error.message)
            for error in imported.errors
        ],
        teams=[],
        changes=[],
    )
    if not imported.valid:
        if commit:
            count = len(report.errors)
            raise InvalidInput(
                f"{count} line(s) have errors, so nothing was imported. Fix them and try again.",
                **report.model_dump(),
            )
        return report
    if not commit:
        plan = layout.plan_layout(session, project, imported.specs, replace_all=True)
        report.changes = change_bodies(plan)
        return report
    outcome = layout.apply_layout(session, actor, project, imported.specs, replace_all=True)
    report.teams = team_bodies(session, outcome.teams)
    report.changes = change_bodies(outcome.changes)
    report.committed = True
    return report
