"""The human report of ``teameval migration status``: a table per phase, its gates green or red,
then what is left and the next command. Plain ASCII tables when piped (logs, tickets)."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from teameval.migration.status.model import MigrationStatus, PhaseState, PhaseStatus, StatusGate

STATE_STYLE = {
    PhaseState.DONE: "bold green",
    PhaseState.OPEN: "bold red",
    PhaseState.NOT_APPLICABLE: "dim",
    PhaseState.NOT_RUN: "yellow",
    PhaseState.COULD_NOT_RUN: "bold yellow",
}
STATE_WORDS = {
    PhaseState.DONE: "done",
    PhaseState.OPEN: "open",
    PhaseState.NOT_APPLICABLE: "not applicable",
    PhaseState.NOT_RUN: "not run",
    PhaseState.COULD_NOT_RUN: "could not run",
}


def _mark(gate: StatusGate) -> str:
    if gate.passed is None:
        return "[dim]n/a[/dim]"
    return "[green]pass[/green]" if gate.passed else "[red]FAIL[/red]"


def _phase_table(console: Console, phase: PhaseStatus) -> Table:
    style = STATE_STYLE[phase.state]
    table = Table(
        title=f"Phase {phase.phase}: {escape(phase.title)} "
        f"[{style}]{STATE_WORDS[phase.state]}[/{style}]",
        title_justify="left",
        box=box.SIMPLE_HEAD if console.is_terminal else box.ASCII,
    )
    table.add_column("gate")
    table.add_column("result", no_wrap=True)
    table.add_column("figure")
    table.add_column("detail")
    for gate in phase.gates:
        table.add_row(escape(gate.title), _mark(gate), escape(gate.figure), escape(gate.detail))
    return table


def render_status(console: Console, status: MigrationStatus, *, database: str) -> None:
    scope = f"school {status.school_id}" if status.school_id is not None else "all schools"
    console.print(
        f"[bold]Migration status[/bold] of {escape(database)} ({scope}; "
        f"{status.shape} schema; legacy mode {status.legacy_mode}; counts over the "
        f"{status.quiet_days} days up to {status.today})"
    )
    for phase in status.phases:
        console.print()
        if phase.gates:
            console.print(_phase_table(console, phase))
        else:
            style = STATE_STYLE[phase.state]
            console.print(
                f"[bold]Phase {phase.phase}: {escape(phase.title)}[/bold] "
                f"[{style}]{STATE_WORDS[phase.state]}[/{style}]"
            )
        if phase.detail:
            console.print(f"  {escape(phase.detail)}")
    console.print()
    if status.left:
        console.print("[bold]Left:[/bold]")
        for line in status.left:
            console.print(f"  - {escape(line)}")
    else:
        console.print("[bold green]Nothing left.[/bold green]")
    command = status.next_command
    if command:
        console.print(f"[bold]Next:[/bold] {escape(command)}")
