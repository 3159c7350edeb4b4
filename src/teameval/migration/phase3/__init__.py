"""Phase 3: access reads enrollments, proven first (``teameval audit access``)."""
