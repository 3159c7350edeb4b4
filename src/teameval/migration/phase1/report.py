"""Human reports of the enrollment audit and backfill (Rich on a terminal, plain when piped).

Rich drops colour and styling by itself when stdout is not a terminal; the tables use a plain
ASCII box then, so logs and e-mails stay readable.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table

from teameval.migration.phase1.audit import AuditStatus, EnrollmentAudit, SamplePair
from teameval.migration.phase1.backfill import BackfillResult

STATUS_STYLE = {AuditStatus.PASS: "bold green", AuditStatus.WARNING: "bold yellow"}
ANOMALY_HELP = {
    "non_student_member": (
        "a teacher or admin is an active member of a student team. The backfill never enrolls "
        "them. Deactivate the membership, or fix the user's role if they really are a student."
    ),
    "cross_school": (
        "the member, the group and the course do not all belong to one school. The backfill "
        "never enrolls across schools. Move the group or membership to the right school, or "
        "deactivate the stray membership."
    ),
}


def _box(console: Console) -> box.Box:
    return box.SIMPLE_HEAD if console.is_terminal else box.ASCII


def _samples_table(console: Console, title: str, samples: Sequence[SamplePair]) -> Table:
    table = Table(title=title, box=_box(console), title_justify="left")
    table.add_column("student", no_wrap=True)
    table.add_column("name")
    # An e-mail cut short with an ellipsis is useless to an operator: wrap it instead.
    table.add_column("email", overflow="fold", min_width=12)
    for column in ("course", "course name", "note"):
        table.add_column(column)
    for sample in samples:
        note = ""
        if sample.category == "non_student_member":
            note = f"role {sample.student_role}"
        elif sample.category == "cross_school":
            note = (
                f"schools: student {sample.student_school_id}, "
                f"group {sample.group_school_id}, course {sample.course_school_id}"
            )
        table.add_row(
            str(sample.student_id),
            sample.student_name or "",
            sample.student_email or "",
            f"{sample.course_id}" + (f" ({sample.course_code})" if sample.course_code else ""),
            sample.course_name or "",
            note,
        )
    return table


def render_audit(console: Console, audit: EnrollmentAudit, *, database: str) -> None:
    scope = f"school {audit.school_id}" if audit.school_id is not None else "all schools"
    style = STATUS_STYLE.get(audit.status, "bold red")
    console.print(f"[bold]Enrollment audit[/bold] of {database} ({scope})")
    console.print(f"Status: [{style}]{audit.status.value}[/{style}] (exit code {audit.exit_code})")
    totals = Table(box=_box(console), show_header=False)
    totals.add_column("measure")
    totals.add_column("value", justify="right")
    for label, value in (
        ("active memberships", audit.active_memberships),
        ("unique (student, course) pairs", audit.unique_pairs),
        ("anomalies: non-student members", audit.non_student_member),
        ("anomalies: cross-school", audit.cross_school),
        ("eligible pairs", audit.eligible_pairs),
        ("  enrolled, active", audit.enrolled_active),
        ("  enrolled, inactive", audit.enrolled_inactive),
        ("  missing", audit.missing),
        ("coverage", f"{audit.coverage_percent:.2f} %"),
    ):
        totals.add_row(label, str(value))
    console.print(totals)
    for title, samples in (
        (f"Missing enrollments (first {len(audit.samples_missing)})", audit.samples_missing),
        (f"Inactive enrollments (first {len(audit.samples_inactive)})", audit.samples_inactive),
        (f"Anomalies (first {len(audit.samples_anomalies)})", audit.samples_anomalies),
    ):
        if samples:
            console.print(_samples_table(console, title, samples))
    for name, count in (
        ("non_student_member", audit.non_student_member),
        ("cross_school", audit.cross_school),
    ):
        if count:
            console.print(f"[bold]{name}[/bold] ({count}): {ANOMALY_HELP[name]}")
    console.print(f"[bold]Next:[/bold] {_audit_next_step(audit)}")


def _audit_next_step(audit: EnrollmentAudit) -> str:
    if audit.missing or audit.enrolled_inactive:
        return (
            "back up the database, preview with `teameval backfill enrollments` (a dry run), "
            "then run it with `--commit` and audit again."
        )
    if audit.anomalies:
        return (
            "every eligible pair is enrolled; resolve the anomalies above by hand "
            "(see docs/migration.md), then audit again."
        )
    return "nothing to do: every active membership has an active enrollment."


def _retried(count: int) -> str:
    """How many batches had to be tried again after losing a race to another writer."""
    return f" ({count} retried after a deadlock or conflict)" if count else ""


def render_backfill(console: Console, result: BackfillResult, *, database: str) -> None:
    t = result.tally
    mode = "DRY RUN (nothing written)" if result.dry_run else "COMMIT"
    scope = f"school {result.school_id}" if result.school_id is not None else "all schools"
    console.print(f"[bold]Enrollment backfill[/bold] of {database} ({scope}): {mode}")
    table = Table(box=_box(console), show_header=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows: list[tuple[str, object]] = [
        ("eligible pairs", t.eligible_pairs),
        ("already active", t.already_active),
        ("to create", t.to_create),
        ("to reactivate", t.to_reactivate),
    ]
    if not result.dry_run:
        rows += [("created", t.created), ("reactivated", t.reactivated)]
    rows += [
        ("skipped: non-student members", t.non_student_member),
        ("skipped: cross-school", t.cross_school),
        (
            "batches",
            f"{result.batches_committed}/{result.batches}{_retried(result.batches_retried)}"
            if not result.dry_run
            else result.batches,
        ),
        ("seconds", f"{result.seconds:.2f}"),
    ]
    for label, value in rows:
        table.add_row(label, str(value))
    console.print(table)
    failed = result.failed_batch
    if failed is not None:
        console.print(
            f"[bold red]Batch {failed.number} of {result.batches} failed[/bold red] (students "
            f"{failed.student_id_from or 'start'} to {failed.student_id_to or 'end'}): "
            f"{failed.error}\nIt was rolled back; the {result.batches_committed} batch(es) "
            "before it stay committed. Fix the cause and run the same command again: it "
            "continues where this run stopped."
        )
        return
    if t.non_student_member or t.cross_school:
        console.print(
            "Skipped anomalies are never enrolled; `teameval audit enrollments` lists them."
        )
    if result.dry_run:
        if t.to_create or t.to_reactivate:
            console.print("[bold]Next:[/bold] run again with `--commit` to write these changes.")
        else:
            console.print("[bold]Next:[/bold] nothing to do.")
    else:
        console.print("[bold]Next:[/bold] verify with `teameval audit enrollments`.")
