"""The one write path for project team membership (DESIGN.md invariant 7).

Every change to a project's teams — one team's members, a whole layout, a source's layout, a
student leaving the course — is a set of ``TeamSpec``s applied here, in a constant number of
statements whatever the size. An unlocked team is changed in place; a locked one is never
changed: it is superseded by version n + 1 with the new roster.

INTERFACE FIXED FOR THE OTHER PARTS OF THE ISSUE (sources, project service): the signatures
below; the bodies are being written.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from teameval.audit_trail import Actor
from teameval.models import LockReason, Project, ProjectTeam, TeamSource


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


def plan_layout(
    session: Session, project: Project, specs: Sequence[TeamSpec], *, replace_all: bool
) -> list[TeamChange]:
    """Validate ``specs`` against the project (422 naming each bad member: not a student of the
    school, not actively enrolled in the course, twice in the layout; 409 for archived students,
    for a student in another current team that the layout does not change, and for a project that
    is not draft or active) and say what applying them would change. Writes nothing.

    ``replace_all``: current teams not in ``specs`` are archived (a whole layout); otherwise
    they are left alone (one team's change)."""
    raise NotImplementedError


def apply_layout(
    session: Session,
    actor: Actor,
    project: Project,
    specs: Sequence[TeamSpec],
    *,
    replace_all: bool,
) -> LayoutOutcome:
    """``plan_layout`` and then the writes, with audit rows, in the caller's transaction."""
    raise NotImplementedError


def lock_teams(
    session: Session,
    actor: Actor,
    teams: Sequence[ProjectTeam],
    reason: LockReason,
    reference_id: int | None = None,
) -> list[ProjectTeam]:
    """Lock these team versions (already locked ones keep their first lock)."""
    raise NotImplementedError


def remove_members(
    session: Session, actor: Actor, removals: Collection[tuple[int, int]]
) -> list[TeamChange]:
    """Take each (project id, student id) out of that project's current team, set-based."""
    raise NotImplementedError
