"""Phase 1 of the migration off legacy groups: every active member of a team gets an active
course enrollment (``audit enrollments``, ``backfill enrollments``), on the generic runner."""
