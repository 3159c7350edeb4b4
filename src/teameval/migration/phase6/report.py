"""Phase 6's human reports (Rich); ``--json`` prints the results' ``to_json`` instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from teameval.migration.phase6.gates import Gate
    from teameval.migration.phase6.mode import ModeResult
    from teameval.migration.phase6.plan import RetirementPlan
    from teameval.migration.phase6.restore import RestoreResult
    from teameval.migration.phase6.retire import RetireResult

MARKS = {True: "[green]pass[/green]", False: "[bold red]FAIL[/bold red]", None: "[dim]n/a[/dim]"}


def render_gates(console: Console, gates: tuple[Gate, ...] | list[Gate]) -> None:
    for gate in gates:
        console.print(f"  {MARKS[gate.passed]} {gate.name}: {gate.figure}", highlight=False)
        if gate.failed:
            console.print(f"       {gate.detail}; next: `{gate.command}`", highlight=False)


def render_plan(console: Console, plan: RetirementPlan, verb: str) -> None:
    console.print(f"[bold]{verb}[/bold] ({plan.shape} schema):")
    document = plan.to_json()
    for table in document["tables"]:
        console.print(
            f"  table {table['name']}: {table['rows']} rows; constraints "
            f"{', '.join(table['constraints']) or 'none'}; indexes "
            f"{', '.join(table['indexes']) or 'none'}",
            highlight=False,
        )
    for column in document["columns"]:
        console.print(
            f"  column {column['table']}.{column['column']}: {column['rows_with_a_value']} "
            f"values; constraints {', '.join(column['constraints']) or 'none'}; indexes "
            f"{', '.join(column['indexes']) or 'none'}",
            highlight=False,
        )


def render_retire(console: Console, result: RetireResult, *, database: str) -> None:
    mode = "DRY RUN (nothing written)" if result.dry_run else "COMMIT"
    console.print(f"[bold]Retire the legacy tables[/bold] of {database}: {mode}")
    status = result.status
    if status == "already_retired" and result.state is not None:
        console.print(
            f"[bold]Nothing to do:[/bold] retired at {result.state.to_json()['retired_at']} "
            f"(archive {result.state.archive_name}). `teameval legacy restore ARCHIVE` brings "
            "the tables back."
        )
        return
    if status == "nothing_to_do":
        console.print("[bold]Nothing to do:[/bold] no legacy table or column is left here.")
        return
    console.print(f"Gates (quiet period {result.quiet_days} days):")
    render_gates(console, result.gates)
    if result.plan is not None:
        render_plan(
            console,
            result.plan,
            "Archived, then removed" if result.archive else "Would archive and remove",
        )
    if status == "refused":
        failing = ", ".join(gate.name for gate in result.gates if gate.failed)
        console.print(f"[bold red]Refused[/bold red] (exit 2): {failing}. Nothing was changed.")
    elif status == "failed":
        console.print(f"[bold red]Failed[/bold red] (exit 2): {result.failure}")
    elif status == "dry_run":
        console.print(
            f"[bold]Next:[/bold] run again with `--commit` (archive: {result.archive_path})."
        )
    elif result.archive is not None:
        console.print(
            f"[bold]Done:[/bold] archive {result.archive.path} (SHA-256 {result.archive.sha256}), "
            "read back and checked, then the legacy tables and columns removed. Keep the "
            "archive: `teameval legacy restore ARCHIVE --commit` brings everything back.",
            highlight=False,
        )


def render_restore(console: Console, result: RestoreResult, *, database: str) -> None:
    mode = "DRY RUN (nothing written)" if result.dry_run else "COMMIT"
    console.print(f"[bold]Restore the legacy tables[/bold] into {database}: {mode}")
    console.print(f"Archive {result.archive_path}", highlight=False)
    if result.archive is not None:
        manifest = result.archive.manifest
        console.print(
            f"  made {manifest['created_at']} by teameval {manifest['teameval_version']} "
            f"from {manifest['source']}; SHA-256 {result.archive.sha256}",
            highlight=False,
        )
        for part in result.archive.parts:
            name = part["table"] + (f".{part['column']}" if part["kind"] == "column" else "")
            console.print(f"  {part['kind']} {name}: {part['rows']} rows", highlight=False)
    if result.problems:
        word = "Refused" if result.status == "refused" else "Failed"
        console.print(f"[bold red]{word}[/bold red] (exit 2), nothing changed:")
        for problem in result.problems:
            console.print(f"  - {problem}", highlight=False)
    elif result.dry_run:
        console.print("[bold]Next:[/bold] run again with `--commit` to recreate these.")
    else:
        console.print(
            "[bold]Done:[/bold] tables, columns, constraints, indexes and rows restored and "
            "checked against the archive; legacy groups are on again (dual-write). Restart "
            "every server, then run `teameval audit enrollments` (enrollments ended since the "
            "retirement left those memberships active)."
        )


def render_mode(console: Console, result: ModeResult) -> None:
    current = result.after or result.before
    console.print(
        f"Legacy mode: [bold]{current.mode}[/bold] ({current.explanation}).", highlight=False
    )
    status = result.status
    if status == "refused":
        console.print(f"[bold red]Refused[/bold red] (exit 2): {result.refusal}.")
    elif status == "unchanged":
        console.print(f"Already {result.requested} in the database: nothing to change.")
    elif status == "dry_run":
        console.print(
            f"Would set the database's mode to [bold]{result.requested}[/bold]: run again with "
            "`--commit`."
        )
    elif status == "changed":
        console.print(f"[bold]Set[/bold] to {result.requested}. {result.to_json()['note']}")
