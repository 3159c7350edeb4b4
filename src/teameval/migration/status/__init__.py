"""``teameval migration status``: every phase, its gates and figures, and the next command."""
