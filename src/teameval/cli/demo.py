"""``teameval demo``: a demo school on our schema (the command's own options), and ``teameval
demo legacy PATH``: a legacy-shaped SQLite file to try the migration runbook on."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from teameval.cli.common import (
    DatabaseUrlOption,
    console,
    fail,
    migrate,
    resolve_database_url,
    unit_of_work,
)
from teameval.config import get_settings
from teameval.models import School

if TYPE_CHECKING:
    from teameval.demo import DemoSummary
    from teameval.migration.demo_legacy import LegacyDemoSummary

# A group that is also a command: `teameval demo [--reset] [--serve]` as before, and its
# subcommand `legacy`. Typer runs the callback before a subcommand too; it then does nothing.
demo_app = typer.Typer(invoke_without_command=True, no_args_is_help=False)


@demo_app.callback()
def demo(
    context: typer.Context,
    reset: Annotated[bool, typer.Option(help="Delete the demo school and build it anew.")] = False,
    serve_after: Annotated[bool, typer.Option("--serve", help="Start the API afterwards.")] = False,
    port: Annotated[int, typer.Option(help="Port for --serve.")] = 8000,
    database_url: Annotated[str | None, DatabaseUrlOption] = None,
) -> None:
    """Migrate the database and fill it with a demo school (logins are printed).

    `teameval demo legacy PATH` writes a legacy-shaped database to try the migration on.
    """
    if context.invoked_subcommand is not None:
        return
    # Imported when the command runs, so `teameval` starts fast for scripted audits.
    from teameval.demo import DEMO_SLUG, DemoSummary, build_demo, demo_logins, reset_demo

    url = resolve_database_url(database_url)
    migrate(url)
    with unit_of_work(url) as session:
        existing = session.scalar(select(School.id).where(School.slug == DEMO_SLUG))
        if reset:
            reset_demo(session)
        if reset or existing is None:
            summary = build_demo(session)
        else:
            console.print("The demo school is already there (use --reset to rebuild it).")
            summary = DemoSummary(DEMO_SLUG, demo_logins(session, existing), 0, 0, 0, 0, 0)
    _print_summary(url, summary, port)
    if serve_after:
        from teameval.cli.serve import serve

        # The server process reads its settings from the environment.
        os.environ["TEAMEVAL_DATABASE_URL"] = url
        get_settings.cache_clear()
        serve(host="127.0.0.1", port=port, workers=1)


def _print_summary(url: str, summary: DemoSummary, port: int) -> None:
    console.print(f"Database: [bold]{url}[/]")
    if summary.students:
        console.print(
            f"Demo school [bold]{summary.school_slug}[/]: {summary.students} students, "
            f"{summary.courses} courses, {summary.groups} legacy teams; "
            f"{summary.memberships_without_enrollment} memberships without an enrollment and "
            f"{summary.inactive_enrollments_under_teams} inactive enrollments for "
            "`teameval audit enrollments` to find."
        )
    if summary.projects is not None:
        console.print(
            f"{summary.projects.projects} projects with {summary.projects.teams} current teams "
            f"({summary.projects.versions} team versions kept, history included): "
            "`teameval projects list --school demo`."
        )
    if summary.assessments is not None:
        console.print(
            f"A project rubric (id {summary.assessments.rubric_id}), assessment "
            f"{summary.assessments.published_id} published (the student login below has a "
            f"grade: GET /api/v1/me/assessments) and assessment {summary.assessments.scored_id} "
            "open for scoring: `teameval assessments list --school demo`."
        )
    table = Table(title=f"Demo logins: school code {summary.school_slug!r}, in Dutch by default")
    for column in ("role", "email", "password"):
        table.add_column(column)
    for login in summary.logins:
        table.add_row(login.role, login.email, login.password)
    console.print(table)
    console.print(
        f"[bold]Open http://127.0.0.1:{port}/ in a browser[/] and sign in with a login above: "
        "the admin sees the students, courses and the migration status; the teacher builds "
        "teams, scores the open assessment and publishes; the student sees their own grade. "
        "The language switch is at the bottom of every page.",
        soft_wrap=True,
    )
    console.print(
        f"API: http://127.0.0.1:{port}/api/v1  ·  interactive docs: http://127.0.0.1:{port}/docs"
    )
    console.print(
        f"Log in: curl -s -X POST http://127.0.0.1:{port}/api/v1/auth/login "
        "-H 'Content-Type: application/json' -d "
        '\'{"school":"demo","email":"admin@demo.school","password":"demo-admin-pass"}\'',
        highlight=False,
        soft_wrap=True,
    )


@demo_app.command("legacy")
def demo_legacy(
    path: Annotated[Path, typer.Argument(help="The SQLite file to write.", show_default=False)],
    force: Annotated[bool, typer.Option("--force", help="Replace PATH if it exists.")] = False,
) -> None:
    """Write a legacy-shaped SQLite database to try the migration runbook on.

    The legacy platform's tables only (none of ours), with the gaps of both migration phases
    (docs/migration.md).
    """
    import sqlalchemy as sa

    from teameval.migration.demo_legacy import write_legacy_demo

    if path.is_dir():
        fail(f"{path} is a directory; give the path of a new SQLite file")
    if path.exists() and not force:
        fail(f"{path} exists; choose another path or add --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside PATH and moved into place, so a failure never leaves half a database there
    # (nor removes the file --force was about to replace).
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    engine = sa.create_engine(f"sqlite:///{partial}")
    try:
        with engine.begin() as connection:
            summary = write_legacy_demo(connection)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        engine.dispose()
    partial.replace(path)
    _print_legacy_summary(path, summary)


def _print_legacy_summary(path: Path, summary: LegacyDemoSummary) -> None:
    url = f"sqlite:///{path}"
    counts = summary.counts
    # soft_wrap: a long path stays one line an operator can copy, whatever the terminal's width.
    console.print(
        f"Legacy-shaped database written: [bold]{path}[/]", highlight=False, soft_wrap=True
    )
    console.print(
        f"{counts['schools']} schools (school {summary.school_id}: Stedelijk Lyceum Utrecht), "
        f"{counts['users']} users, {counts['courses']} courses, {counts['groups']} cohort "
        f"groups, {counts['projects']} projects with {counts['project_teams']} project teams, "
        f"{counts['project_assessments']} assessments keyed by cohort group with "
        f"{counts['project_assessment_scores']} score rows.",
        soft_wrap=True,
    )
    console.print(
        "Phase 1 gaps: active team members without an enrollment, an inactive enrollment, a "
        "teacher in a team. Phase 2: team keys to link and to create, one unmapped key of every "
        "reason (cross_school, no_team_number, no_project, ambiguous_project, ambiguous_team, "
        "member_conflict), a duplicate team score and an override of a student outside the "
        "team.",
        soft_wrap=True,
    )
    console.print("Try the runbook (docs/migration.md) on it:")
    steps = (
        "audit enrollments",
        "backfill enrollments --commit",
        "expand assessments",
        "expand assessments --commit",
        "audit assessments",
        "backfill assessments",
    )
    for step in steps:
        console.print(f"  teameval {step} --database-url {url}", highlight=False, soft_wrap=True)
