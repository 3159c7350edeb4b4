"""Phase 2's schema probe: which shape the database has and how far it has been expanded.

* ``legacy``: the legacy platform's assessments (DESIGN.md §4): ``project_assessments.group_id``
  and the teams told apart by ``project_assessment_scores.team_number``. The commands work on it.
* ``ours``: teameval's own schema, where assessments are keyed by project team from the start;
  every command reports the finished state there.

On the legacy shape, *expanded* means ``teameval expand assessments --commit`` has run: the
``project_assessment_teams`` junction (keyed by ``project_assessment_id``) and the nullable
``project_assessment_scores.project_team_id`` exist. *Contracted* means that column is NOT NULL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from teameval.migration.runner.bookkeeping import has_bookkeeping
from teameval.migration.runner.database import Connection, as_connection
from teameval.migration.runner.probe import CouldNotRun, ProbedTables, probe_tables

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["AssessmentSchema", "CouldNotRun", "probe_assessment_schema"]

Shape = Literal["legacy", "ours"]

JUNCTION = "project_assessment_teams"
ARCHIVE = "archived_assessment_scores"
EXPAND_COMMAND = "teameval expand assessments --commit"

# What the phase 2 commands read on a legacy database.
LEGACY_REQUIRED: Mapping[str, Sequence[str]] = {
    "users": ("id", "school_id", "role", "team_number"),
    "groups": ("id", "school_id", "course_id", "team_number"),
    "group_members": ("group_id", "user_id", "active"),
    "projects": ("id", "school_id", "course_id"),
    "project_teams": (
        "id",
        "school_id",
        "project_id",
        "team_id",
        "display_name_at_time",
        "team_number",
        "version",
        "backfill_source",
    ),
    "project_team_members": ("school_id", "project_team_id", "user_id"),
    "rubric_criteria": ("id", "rubric_id", "weight"),
    "project_assessments": ("id", "school_id", "project_id", "group_id", "project_team_id"),
    "project_assessment_scores": (
        "id",
        "school_id",
        "assessment_id",
        "criterion_id",
        "team_number",
        "student_id",
        "score",
    ),
}
LEGACY_OPTIONAL: Mapping[str, Sequence[str]] = {
    "users": ("archived",),
    "project_team_members": ("role",),
    "project_assessments": ("rubric_id",),
    "project_assessment_scores": ("project_team_id", "comment"),
}
JUNCTION_COLUMNS = (
    "id",
    "school_id",
    "project_assessment_id",
    "project_team_id",
    "team_number",
    "source",
)
ARCHIVE_EXTRA_COLUMNS = ("archived_at", "reason")

# On our own schema: enough to count what is there.
OURS_REQUIRED: Mapping[str, Sequence[str]] = {
    "project_assessments": ("id", "school_id"),
    "project_assessment_scores": ("id", "school_id", "assessment_id", "project_team_id"),
    JUNCTION: ("id", "school_id", "assessment_id", "project_team_id"),
}


@dataclass(frozen=True)
class AssessmentSchema:
    probed: ProbedTables = field(repr=False)
    shape: Shape
    # The junction table and the scores' project_team_id exist (always true on ours).
    expanded: bool
    # project_assessment_scores.project_team_id is NOT NULL (always true on ours).
    contracted: bool
    has_archive: bool
    has_bookkeeping: bool
    dialect: str

    @property
    def signature(self) -> str:
        """Part of every statement's key: the same builders give other SQL on another shape."""
        return f"{self.shape}:{int(self.expanded)}:{self.probed.signature}"

    @cached_property
    def tables(self) -> dict[str, sa.Table]:
        """``Table`` objects of the used columns (imports SQLAlchemy: only when building)."""
        return self.probed.tables()

    def table(self, name: str) -> sa.Table:
        return self.tables[name]

    def has(self, table: str, column: str) -> bool:
        return column in self.probed.used.get(table, ())

    def columns(self, table: str) -> tuple[str, ...]:
        """Every column the database has on ``table`` (not only the used ones)."""
        return tuple(self.probed.columns.get(table, {}))


def _junction_is_ours(columns: Mapping[str, object]) -> bool:
    return "project_assessment_id" in columns


def probe_assessment_schema(connection: Connection | sa.Connection) -> AssessmentSchema:
    """Inspect the database; :class:`CouldNotRun` names the first table or column missing."""
    connection = as_connection(connection)
    first = probe_tables(connection, {"project_assessments": ("id",)}, {})
    columns = first.columns
    present = first.present
    if "group_id" not in columns["project_assessments"]:
        probed = probe_tables(connection, OURS_REQUIRED, {})
        return AssessmentSchema(
            probed=probed,
            shape="ours",
            expanded=True,
            contracted=True,
            has_archive=ARCHIVE in present,
            has_bookkeeping=has_bookkeeping(present),
            dialect=probed.dialect,
        )
    required = dict(LEGACY_REQUIRED)
    junction = columns.get(JUNCTION, {})
    has_junction = JUNCTION in present and _junction_is_ours(junction)
    if JUNCTION in present and not has_junction:
        raise CouldNotRun(
            f"table {JUNCTION!r} exists but has no column 'project_assessment_id': "
            "not the shape phase 2 creates"
        )
    if has_junction:
        required[JUNCTION] = JUNCTION_COLUMNS
    has_archive = ARCHIVE in present
    if has_archive:
        required[ARCHIVE] = ("id", *ARCHIVE_EXTRA_COLUMNS)
    probed = probe_tables(connection, required, LEGACY_OPTIONAL)
    score_columns = probed.columns["project_assessment_scores"]
    has_score_team = "project_team_id" in score_columns
    return AssessmentSchema(
        probed=probed,
        shape="legacy",
        expanded=has_junction and has_score_team,
        contracted=has_score_team and not score_columns["project_team_id"].fillable_by_database,
        has_archive=has_archive,
        has_bookkeeping=has_bookkeeping(probed.present),
        dialect=probed.dialect,
    )
