"""What every phase's evaluation reads: the connection, the tables present, the scope and the
settings, and the few facts several phases depend on (the legacy mode, whether retired)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlalchemy as sa

    from teameval.config import Settings
    from teameval.migration.phase1.audit import EnrollmentAudit
    from teameval.migration.phase3.audit import AccessAuditResult

# Tables found on teameval's schema and on the legacy platform's alike, and never retired:
# without them the database is not one the migration knows (exit 3).
REQUIRED_TABLES = ("users", "courses")
LEGACY_TABLES = ("groups", "group_members")
SHADOW_TABLE = "access_shadow_counts"
USAGE_TABLE = "legacy_usage_counts"


@dataclass(frozen=True)
class Context:
    connection: sa.Connection
    tables: frozenset[str]
    shape: str  # "ours" or "legacy" (course_enrollments without school_id: DESIGN.md §4)
    school_id: int | None
    quiet_days: int
    today: date
    settings: Settings
    # Run the audits that read every membership and score row (the page runs them on demand).
    audits: bool
    legacy_mode: str  # effective_legacy_mode: "dual-write", "off" or "retired"
    state: dict[str, object]  # legacy_state: retired_at, archive_name, ...
    # The audits run so far, by school scope: phase 6's gates are the whole database's, so a
    # status without --school reuses phases 1 and 3's results instead of reading it all again.
    phase1_audits: dict[int | None, EnrollmentAudit] = field(default_factory=dict, compare=False)
    access_audits: dict[int | None, AccessAuditResult] = field(default_factory=dict, compare=False)

    @property
    def retired(self) -> bool:
        return self.legacy_mode == "retired"

    @property
    def school(self) -> str:
        """The ``--school`` option of a command, for a report scoped to one school."""
        return "" if self.school_id is None else f" --school {self.school_id}"

    def phase1_audit(self) -> EnrollmentAudit:
        """``teameval audit enrollments`` in this scope, run once per status."""
        if self.school_id not in self.phase1_audits:
            from teameval.migration.phase1.audit import audit_enrollments

            self.phase1_audits[self.school_id] = audit_enrollments(
                self.connection, school_id=self.school_id, sample_limit=0
            )
        return self.phase1_audits[self.school_id]

    def access_audit(self) -> AccessAuditResult:
        """``teameval audit access`` in this scope, run once per status."""
        if self.school_id not in self.access_audits:
            from teameval.migration.phase3.audit import audit_access

            self.access_audits[self.school_id] = audit_access(
                self.connection, school_id=self.school_id, sample_limit=0
            )
        return self.access_audits[self.school_id]

    def has(self, *tables: str) -> bool:
        return all(table in self.tables for table in tables)

    def retired_detail(self) -> str:
        when = self.state.get("retired_at")
        archive = self.state.get("archive_name")
        if not when:
            return "the legacy tables are gone (no retirement recorded in this database)"
        kept = f" (archive {archive})" if archive else ""
        return f"the legacy tables were retired on {when}{kept}"
