"""What every phase's evaluation reads: the connection, the tables present, the scope and the
settings, and the few facts several phases depend on (the legacy mode, whether retired)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlalchemy as sa

    from teameval.config import Settings

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

    @property
    def retired(self) -> bool:
        return self.legacy_mode == "retired"

    @property
    def school(self) -> str:
        """The ``--school`` option of a command, for a report scoped to one school."""
        return "" if self.school_id is None else f" --school {self.school_id}"

    def has(self, *tables: str) -> bool:
        return all(table in self.tables for table in tables)

    def retired_detail(self) -> str:
        when = self.state.get("retired_at")
        archive = self.state.get("archive_name")
        if not when:
            return "the legacy tables are gone (no retirement recorded in this database)"
        kept = f" (archive {archive})" if archive else ""
        return f"the legacy tables were retired on {when}{kept}"
