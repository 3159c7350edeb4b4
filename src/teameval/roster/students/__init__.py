"""Students as the admin manages them: create, change, archive, list; and the bulk sync engine
the API and the CSV import share (sync, sync_plan, sync_snapshot, sync_apply)."""
