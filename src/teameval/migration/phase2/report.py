"""Human reports of the phase 2 audit and backfill (Rich on a terminal, plain when piped):
the figures, and for every reason a key is left unmapped, what it means and how to settle it."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from teameval.migration.phase2.audit import AssessmentAudit
from teameval.migration.phase2.backfill_result import BackfillResult
from teameval.migration.phase2.probe import EXPAND_COMMAND

DECISIONS = "a row in the --decisions CSV (assessment_id,team_number,project_id,project_team_id)"
REASON_FIX = {
    "cross_school": (
        "the assessment, its group or its project belong to different schools. Correct the "
        f"data, or link the key to a team of the assessment's school with {DECISIONS} "
        "naming project_team_id."
    ),
    "no_team_number": (
        "neither the score rows nor the assessment's group have a team number. Name the team "
        f"with {DECISIONS}: team_number empty, project_team_id set."
    ),
    "no_project": (
        "the assessment has no project and no project belongs to its group's course. Create "
        f"the project, or set it with {DECISIONS} naming project_id (or project_team_id)."
    ),
    "ambiguous_project": (
        "the assessment has no project and several projects belong to its group's course. "
        f"Choose one with {DECISIONS} naming project_id."
    ),
    "ambiguous_team": (
        "the project has several teams with this number at the highest version. Choose one "
        f"with {DECISIONS} naming project_team_id."
    ),
    "member_conflict": (
        "a student of the team to create is already in another team of the project (or of "
        "another team to create). Link the key to the right team with "
        f"{DECISIONS} naming project_team_id, or correct the teams first."
    ),
}
ANOMALY_HELP = {
    "duplicate_team_scores": (
        "more than one team score for one criterion of one team key. `teameval resolve "
        "duplicate-scores` keeps the newest and archives the others (restorable)."
    ),
    "override_not_member": (
        "a student's override sits under a team the student is not a member of. Check the "
        "team's members; the override is kept as it is."
    ),
}
STATUS_STYLE = {"PASS": "bold green", "WARNING": "bold yellow", "done": "bold green"}


def _box(console: Console) -> box.Box:
    return box.SIMPLE_HEAD if console.is_terminal else box.ASCII


def _figures(console: Console, title: str, rows: list[tuple[str, Any]]) -> Table:
    table = Table(title=title, box=_box(console), title_justify="left", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, str(value))
    return table


def _unmapped(console: Console, unmapped: dict[str, int], samples: dict[str, Any]) -> None:
    left = {reason: count for reason, count in unmapped.items() if count}
    if not left:
        return
    console.print("\n[bold]Unmapped keys[/bold], and how to settle each:")
    for reason, count in left.items():
        examples = ", ".join(
            f"({s['assessment_id']}, {s['team_number']})" for s in samples.get(reason, [])[:5]
        )
        console.print(
            f"  [bold]{reason}[/bold]: {count}" + (f"  e.g. {examples}" if examples else "")
        )
        console.print(f"    {REASON_FIX[reason]}")


def render_audit(console: Console, audit: AssessmentAudit, *, database: str) -> None:
    document = audit.to_json()
    style = STATUS_STYLE.get(audit.status, "bold red")
    console.print(f"Assessment audit of {database}: [{style}]{audit.status}[/{style}]")
    if audit.shape == "ours":
        console.print(
            "teameval's own schema: every assessment is keyed by project team from the start."
        )
    elif not audit.expanded:
        console.print(f"Not expanded yet: run {EXPAND_COMMAND} before the backfill.")
    console.print(
        _figures(
            console,
            "Figures",
            [
                ("assessments", audit.assessments),
                ("score rows", audit.score_rows),
                ("team keys", audit.team_keys),
                ("mapped", audit.mapped),
                ("to link", document["to_link"]),
                ("to create", document["to_create"]),
                ("unmapped", sum(audit.unmapped.values())),
                ("score rows mapped", audit.scores_mapped),
                ("score rows unmapped", audit.scores_unmapped),
            ],
        )
    )
    _unmapped(console, audit.unmapped, audit.samples)
    for name, count in audit.anomalies.items():
        if count:
            console.print(f"  [bold]{name}[/bold]: {count}. {ANOMALY_HELP[name]}")
    if document["to_link"] or document["to_create"]:
        console.print("Next: `teameval backfill assessments` (dry run), then with --commit.")


def render_backfill(console: Console, result: BackfillResult, *, database: str) -> None:
    document = result.to_json()
    mode = "dry run" if result.dry_run else "committed"
    style = STATUS_STYLE.get(result.status, "bold yellow")
    console.print(f"Assessment backfill of {database} ({mode}): [{style}]{result.status}[/{style}]")
    rows: list[tuple[str, Any]] = [
        ("team keys", document["team_keys"]),
        ("mapped before", document["mapped_before"]),
        ("to link", document["to_link"]),
        ("to create", document["to_create"]),
        ("score rows to update", result.scores_to_update),
        ("assessments to link", result.assessments_to_link),
    ]
    if not result.dry_run:
        rows += [
            ("linked", result.linked),
            ("teams created", result.created),
            ("members added", result.members_added),
            ("score rows updated", result.scores_updated),
            ("assessments linked", result.assessments_linked),
        ]
    rows += [
        ("batches", f"{result.batches_committed}/{result.batches}"),
        ("seconds", document["seconds"]),
    ]
    console.print(_figures(console, "Figures", rows))
    if result.failed_batch is not None:
        failed = result.failed_batch
        console.print(
            f"[bold red]Batch {failed['number']} failed[/bold red] and was rolled back: "
            f"{failed['error']}. Earlier batches stay committed; run the same command again."
        )
    _unmapped(console, result.unmapped, result.samples)
    if result.dry_run and (document["to_link"] or document["to_create"]):
        console.print("Nothing was written. Run again with --commit to write it.")
