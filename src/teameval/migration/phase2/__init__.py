"""Migration phase 2 (issue 12): project assessments keyed by project team on a legacy database.

Expand (additive DDL) → audit → backfill (link or create the project team of every legacy team
key) → verify (dual read) → resolve duplicate team scores → contract (NOT NULL, gated). The
definitions every command shares are in ``plan``; docs/migration.md has the runbook.
"""
