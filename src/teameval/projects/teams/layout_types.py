"""The values of the one team write path (``layout``): a wanted team, what a change does to
one team number, and what a layout write leaves."""

from __future__ import annotations

from dataclasses import dataclass, field

from teameval.models import ProjectTeam, TeamSource


@dataclass(frozen=True)
class TeamSpec:
    """One team of a wanted layout, keyed by its number within the project."""

    team_number: int
    member_ids: tuple[int, ...]
    name: str | None = None  # None: keep the current name, or "Team {n}" for a new team
    team_id: int | None = None  # the legacy group it was copied from
    backfill_source: TeamSource | None = None


@dataclass(frozen=True)
class TeamChange:
    """What applying a layout does (or, in a plan, would do) to one team number."""

    team_number: int
    action: str  # "create" | "update" | "new_version" | "archive" | "unchanged"
    team_id: int | None  # the current version's id before (None when created)
    new_team_id: int | None  # after (None in a plan, or when archived)
    added: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()


@dataclass
class LayoutOutcome:
    changes: list[TeamChange] = field(default_factory=list)
    teams: list[ProjectTeam] = field(default_factory=list)  # current teams after, by number
