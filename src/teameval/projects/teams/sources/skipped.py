"""What a source left out of the layout it built, and why: answered with the layout."""

from __future__ import annotations

from dataclasses import dataclass, field

from teameval.projects.teams.layout import TeamSpec


@dataclass(frozen=True)
class Skipped:
    student_id: int
    reason: str
    group_id: int | None = None  # from-groups: the legacy group the person was in
    team_id: int | None = None  # clone: the source project's team version they were in


@dataclass
class SourcedLayout:
    """The specs a source built and the people it skipped."""

    specs: list[TeamSpec] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
