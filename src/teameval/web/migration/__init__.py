"""Admin: the migration's status (phase 1 audit figures and the backfill's dry-run plan)."""
