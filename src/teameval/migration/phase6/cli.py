"""Phase 6's Typer commands: ``teameval legacy mode|retire|restore``. Thin: the options, then
``commands`` (open the database, run, print) and the documented exit code.

Exit codes (every command): 0 done, nothing to do or a dry run; 2 a gate failed, a check
refused or a verification failed (nothing changed); 3 could not run.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from teameval.migration.runner.cli import Commit, DatabaseUrl, JsonOutput


class LegacyMode(StrEnum):
    DUAL_WRITE = "dual-write"
    OFF = "off"


def mode_command(
    mode: Annotated[
        LegacyMode | None,
        typer.Argument(help="Set the database's mode (dry run unless --commit); none: show it."),
    ] = None,
    database_url: DatabaseUrl = None,
    json_output: JsonOutput = False,
    commit: Commit = False,
) -> None:
    """Show the effective legacy mode and where it comes from, or set the mode the database
    holds, which overrides TEAMEVAL_LEGACY_GROUPS. Servers apply it when restarted.

    Exit codes: 0 shown, set or a dry run; 2 refused (dual-write on a retired database);
    3 could not run.
    """
    from teameval.migration.phase6 import commands

    requested = None if mode is None else mode.value
    raise typer.Exit(commands.mode(database_url, json_output, commit, requested))


def retire_command(
    database_url: DatabaseUrl = None,
    json_output: JsonOutput = False,
    commit: Commit = False,
    quiet_days: Annotated[
        int,
        typer.Option(
            "--quiet-days", min=1, help="No shadow disagreement and no legacy call this many days."
        ),
    ] = 30,
    archive: Annotated[
        Path | None,
        typer.Option(
            "--archive",
            help="Where to write the archive (must not exist); default: the current "
            "directory, teameval-legacy-archive-<database>-<UTC time>.zip (named in the output).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check every gate, then archive the legacy tables and columns, read the archive back,
    and remove them in one transaction (dry run by default).

    Exit codes: 0 done, already retired or a dry run whose gates pass; 2 a gate failed or the
    archive or removal failed (nothing removed); 3 could not run.
    """
    from teameval.migration.phase6 import commands

    raise typer.Exit(commands.retire(database_url, json_output, commit, quiet_days, archive))


def restore_command(
    archive: Annotated[Path, typer.Argument(help="The archive `teameval legacy retire` wrote.")],
    database_url: DatabaseUrl = None,
    json_output: JsonOutput = False,
    commit: Commit = False,
) -> None:
    """Bring the legacy tables, columns and rows back from an archive, exactly, and switch
    legacy groups back on (dry run by default).

    Exit codes: 0 restored or a dry run; 2 the archive is damaged or not this database's, the
    tables exist already, or the restored rows differ (nothing changed); 3 could not run.
    """
    from teameval.migration.phase6 import commands

    raise typer.Exit(commands.restore(database_url, json_output, commit, archive))
