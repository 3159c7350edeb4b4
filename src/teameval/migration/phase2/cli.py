"""Phase 2's Typer commands. Thin: the runner's options, then the command function of each
step's module (``command``: open the database, run, print the report, Rich on a terminal or
exactly one JSON document with ``--json``), and exit with the documented code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from teameval.migration.runner.cli import (
    Commit,
    DatabaseUrl,
    JsonOutput,
    Limit,
    School,
    batch_size_option,
)

DEFAULT_BATCH_SIZE = 500
BatchSize = Annotated[int, batch_size_option("Assessments")]


def expand_assessments_command(
    database_url: DatabaseUrl = None,
    json_output: JsonOutput = False,
    commit: Commit = False,
) -> None:
    """Add the junction table project_assessment_teams, the nullable
    project_assessment_scores.project_team_id (foreign key, index) and the archive table for
    duplicate scores. Additive and idempotent; the dry run prints the DDL.

    Exit codes: 0 done, nothing to do or a dry run; 2 a statement failed; 3 could not run.
    """
    from teameval.migration.phase2 import expand

    raise typer.Exit(expand.command(database_url, json_output, commit))


def audit_assessments_command(
    database_url: DatabaseUrl = None,
    school: School = None,
    json_output: JsonOutput = False,
    limit: Limit = 10,
) -> None:
    """How far assessments are keyed by project team: every team key, mapped or why not.

    Exit codes: 0 PASS, 1 WARNING (anomalies only), 2 FAIL, 3 could not run.
    """
    from teameval.migration.phase2 import audit

    raise typer.Exit(audit.command(database_url, school, json_output, limit))


def backfill_assessments_command(
    database_url: DatabaseUrl = None,
    school: School = None,
    json_output: JsonOutput = False,
    limit: Limit = 10,
    commit: Commit = False,
    batch_size: BatchSize = DEFAULT_BATCH_SIZE,
    decisions: Annotated[
        Path | None,
        typer.Option(
            "--decisions",
            help="CSV settling unmapped keys: assessment_id, team_number, project_id, "
            "project_team_id.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Link or create the project team of every legacy team key and key the score rows by it.

    Exit codes: 0 nothing left unmapped, 1 unmapped keys remain, 2 a batch failed, 3 could
    not run.
    """
    from teameval.migration.phase2 import backfill

    raise typer.Exit(
        backfill.command(database_url, school, json_output, limit, commit, batch_size, decisions)
    )


def verify_assessments_command(
    database_url: DatabaseUrl = None,
    school: School = None,
    json_output: JsonOutput = False,
    limit: Limit = 10,
) -> None:
    """Dual read: every mapped key's weighted scores through team_number and through
    project_team_id must agree.

    Exit codes: 0 no mismatch, 2 a mismatch, 3 could not run.
    """
    from teameval.migration.phase2 import verify

    raise typer.Exit(verify.command(database_url, school, json_output, limit))


def resolve_duplicate_scores_command(
    database_url: DatabaseUrl = None,
    school: School = None,
    json_output: JsonOutput = False,
    commit: Commit = False,
    restore: Annotated[
        bool,
        typer.Option("--restore", help="Move archived duplicate scores back instead."),
    ] = False,
) -> None:
    """Keep the newest of each group of duplicate team scores and move the others, whole, into
    archived_assessment_scores (restorable with --restore).

    Exit codes: 0 done or a dry run, 2 failed, 3 could not run.
    """
    from teameval.migration.phase2 import resolve

    raise typer.Exit(resolve.command(database_url, school, json_output, commit, restore))


def contract_assessments_command(
    database_url: DatabaseUrl = None,
    json_output: JsonOutput = False,
    commit: Commit = False,
) -> None:
    """Make project_assessment_scores.project_team_id NOT NULL and add its unique indexes,
    only when every gate passes (audit all mapped, no duplicate team scores, verify).

    Exit codes: 0 applied, already applied or a dry run whose gates pass; 2 a gate failed
    (nothing changed) or a statement failed; 3 could not run.
    """
    from teameval.migration.phase2 import contract

    raise typer.Exit(contract.command(database_url, json_output, commit))
