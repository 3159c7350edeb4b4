"""The migration command groups, each holding one command per phase that needs it:
``teameval audit|backfill enrollments`` (phase 1) and ``teameval expand|audit|backfill|verify|
resolve|contract assessments`` (phase 2; ``resolve duplicate-scores``). The commands live with
their phase; what they share (options, database handling, exit 3, progress) is
``teameval.migration.runner.cli``."""

from __future__ import annotations

import typer

from teameval.migration.phase1.cli import audit_enrollments_command, backfill_enrollments_command
from teameval.migration.phase2 import cli as phase2
from teameval.migration.phase3.cli import audit_access_command
from teameval.migration.phase6 import cli as phase6
from teameval.migration.status.cli import status_command
from teameval.roster.legacy.watch.cli import legacy_usage_command

audit_app = typer.Typer(
    help="Read-only checks of how far a database has migrated.", no_args_is_help=True
)
backfill_app = typer.Typer(
    help="Set-based, resumable data backfills (dry run by default).", no_args_is_help=True
)
expand_app = typer.Typer(
    help="Additive, idempotent schema changes before a backfill (dry run by default).",
    no_args_is_help=True,
)
verify_app = typer.Typer(
    help="Dual reads: the legacy and the new path must give the same answers.",
    no_args_is_help=True,
)
resolve_app = typer.Typer(
    help="Settle data anomalies an audit reports (dry run by default).", no_args_is_help=True
)
contract_app = typer.Typer(
    help="Tighten the schema once every gate passes (dry run by default).", no_args_is_help=True
)
legacy_app = typer.Typer(
    help="The legacy groups model: its mode, its use, and its guarded, reversible retirement.",
    no_args_is_help=True,
)
migration_app = typer.Typer(
    help="Where the migration off legacy groups stands, phase by phase.", no_args_is_help=True
)

audit_app.command("enrollments")(audit_enrollments_command)
backfill_app.command("enrollments")(backfill_enrollments_command)
expand_app.command("assessments")(phase2.expand_assessments_command)
audit_app.command("assessments")(phase2.audit_assessments_command)
backfill_app.command("assessments")(phase2.backfill_assessments_command)
verify_app.command("assessments")(phase2.verify_assessments_command)
resolve_app.command("duplicate-scores")(phase2.resolve_duplicate_scores_command)
contract_app.command("assessments")(phase2.contract_assessments_command)
audit_app.command("access")(audit_access_command)
legacy_app.command("usage")(legacy_usage_command)
legacy_app.command("mode")(phase6.mode_command)
legacy_app.command("retire")(phase6.retire_command)
legacy_app.command("restore")(phase6.restore_command)
migration_app.command("status")(status_command)

# (name, app) in the order `teameval --help` lists them: the order of the runbook.
MIGRATION_GROUPS = (
    ("expand", expand_app),
    ("audit", audit_app),
    ("backfill", backfill_app),
    ("verify", verify_app),
    ("resolve", resolve_app),
    ("contract", contract_app),
    ("legacy", legacy_app),
    ("migration", migration_app),
)
