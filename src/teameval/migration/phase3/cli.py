"""Phase 3's Typer command: ``teameval audit access``. Thin: the runner's options, then
``audit.command`` (open the database read-only, audit, print Rich or one JSON document)."""

from __future__ import annotations

import typer

from teameval.migration.runner.cli import DatabaseUrl, JsonOutput, Limit, School


def audit_access_command(
    database_url: DatabaseUrl = None,
    school: School = None,
    json_output: JsonOutput = False,
    limit: Limit = 10,
) -> None:
    """Compare, per (student, course), the legacy access decision (an eligible active group
    membership) with the enrollment's (an active enrollment): who would lose or gain access.

    Exit codes: 0 PASS (nobody loses access), 2 FAIL (legacy-only pairs), 3 could not run.
    """
    from teameval.migration.phase3 import audit

    raise typer.Exit(audit.command(database_url, school, json_output, limit))
