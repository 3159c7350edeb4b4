"""Human report of the access audit (Rich on a terminal, plain ASCII tables when piped)."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table

from teameval.migration.phase3.audit import AccessAuditResult, AccessSample, CourseFigures

MEANING = {
    "legacy_only": (
        "these students reach the course through a group today and would lose it when access "
        "reads enrollments only. Run `teameval backfill enrollments` (phase 1), or deactivate "
        "the stray memberships, then audit again."
    ),
    "enrollment_only": (
        "these students are enrolled but in no eligible group: they gain access at the switch. "
        "Expected (the enrollment is the truth); check a few if the number surprises you."
    ),
}


def _box(console: Console) -> box.Box:
    return box.SIMPLE_HEAD if console.is_terminal else box.ASCII


def _summary(console: Console, result: AccessAuditResult) -> Table:
    table = Table(box=_box(console), show_header=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    archived = result.archived
    for label, value in (
        ("(student, course) pairs either model allows", result.pairs),
        ("  agree", result.agree),
        ("  legacy only (would lose access)", result.legacy_only),
        ("  enrollment only (would gain access)", result.enrollment_only),
        ("anomalies: non-student members", result.non_student_member),
        ("anomalies: cross-school", result.cross_school),
        (
            "archived students' pairs (no access either way)",
            archived.agree + archived.legacy_only + archived.enrollment_only,
        ),
    ):
        table.add_row(label, str(value))
    return table


def _courses(console: Console, courses: Sequence[CourseFigures]) -> Table:
    table = Table(title="Worst courses first", box=_box(console), title_justify="left")
    for column in ("course", "code", "agree", "legacy only", "enrollment only"):
        table.add_column(column, justify="left" if column in ("course", "code") else "right")
    for course in courses:
        table.add_row(
            str(course.course_id),
            course.code or "",
            str(course.agree),
            str(course.legacy_only),
            str(course.enrollment_only),
        )
    return table


def _samples(console: Console, title: str, samples: Sequence[AccessSample]) -> Table:
    table = Table(title=title, box=_box(console), title_justify="left")
    table.add_column("student", no_wrap=True)
    table.add_column("name")
    table.add_column("email", overflow="fold", min_width=12)
    for column in ("course", "membership", "enrollment"):
        table.add_column(column)
    for sample in samples:
        course = f"{sample.course_id}" + (f" ({sample.course_code})" if sample.course_code else "")
        table.add_row(
            str(sample.student_id),
            sample.student_name or "",
            sample.student_email or "",
            course,
            sample.membership,
            sample.enrollment,
        )
    return table


def render_audit(console: Console, result: AccessAuditResult, *, database: str, limit: int) -> None:
    scope = f"school {result.school_id}" if result.school_id is not None else "all schools"
    style = "bold green" if result.status == "PASS" else "bold red"
    console.print(f"[bold]Access audit[/bold] of {database} ({scope}, {result.shape} schema)")
    console.print(f"Status: [{style}]{result.status}[/{style}] (exit code {result.exit_code})")
    console.print(_summary(console, result))
    if not result.archived_column:
        console.print("users.archived does not exist here: no student is taken as archived.")
    shown = result.by_course[:limit]
    if shown:
        console.print(_courses(console, shown))
        if len(result.by_course) > len(shown):
            console.print(f"({len(result.by_course) - len(shown)} more courses in --json)")
    for name, title in (
        ("legacy_only", "Would lose access"),
        ("enrollment_only", "Would gain access"),
    ):
        samples = result.samples.get(name, ())
        if samples:
            console.print(_samples(console, f"{title} (first {len(samples)})", samples))
        if getattr(result, name):
            console.print(f"[bold]{name}[/bold] ({getattr(result, name)}): {MEANING[name]}")
    if result.non_student_member or result.cross_school:
        console.print(
            "Anomalies are phase 1's (see `teameval audit enrollments`): such memberships grant "
            "no access in this comparison."
        )
    if result.legacy_only == 0:
        console.print("[bold]Next:[/bold] nobody loses access: access can read enrollments only.")
    else:
        console.print("[bold]Next:[/bold] close the legacy-only pairs, then audit again.")
