"""Phase 6: guarded, reversible retirement of the legacy tables (``teameval legacy retire`` and
``teameval legacy restore``), and the legacy mode the database holds (``teameval legacy mode``)."""
