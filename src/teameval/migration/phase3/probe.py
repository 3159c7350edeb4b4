"""Phase 3's schema probe: exactly phase 1's tables and columns (the legacy decision is phase 1's
eligibility, so it needs what phase 1 needs) plus ``users.archived`` where the database has it.

The statements are phase 1's builders, which take an
:class:`~teameval.migration.phase1.probe.EnrollmentSchema`; the access schema holds one, made
from a probe that also looks for the archived flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from teameval.migration.phase1.probe import OPTIONAL_COLUMNS as PHASE1_OPTIONAL
from teameval.migration.phase1.probe import REQUIRED_COLUMNS, EnrollmentSchema
from teameval.migration.runner.bookkeeping import has_bookkeeping
from teameval.migration.runner.database import Connection, as_connection
from teameval.migration.runner.probe import CouldNotRun, probe_tables

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["AccessSchema", "CouldNotRun", "probe_access_schema"]

OPTIONAL_COLUMNS = {**PHASE1_OPTIONAL, "users": (*PHASE1_OPTIONAL.get("users", ()), "archived")}
Shape = Literal["ours", "legacy"]


@dataclass(frozen=True)
class AccessSchema:
    enrollment: EnrollmentSchema

    @property
    def signature(self) -> str:
        return self.enrollment.signature

    @property
    def has_archived(self) -> bool:
        """Whether users carry the archived flag (the legacy platform's may not)."""
        return self.enrollment.has("users", "archived")

    @property
    def shape(self) -> Shape:
        # Enrollments without school_id are the legacy platform's (DESIGN.md §4).
        return "ours" if self.enrollment.has("course_enrollments", "school_id") else "legacy"


def probe_access_schema(connection: Connection | sa.Connection) -> AccessSchema:
    """Inspect the database; :class:`CouldNotRun` names the first table or column missing."""
    probed = probe_tables(as_connection(connection), REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    return AccessSchema(
        EnrollmentSchema(
            probed=probed,
            unfillable_enrollment_columns=(),  # the audit writes nothing
            has_bookkeeping=has_bookkeeping(probed.present),
            dialect=probed.dialect,
            supports_materialized_cte=probed.supports_materialized_cte,
        )
    )
