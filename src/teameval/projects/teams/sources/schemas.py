"""Bodies of the source routes. Each answers the layout PUT's shape (``teams``, ``changes``) plus
what the source adds: the people it skipped, the seed it dealt with, the import's line errors."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from teameval.kit.inputs import MAX_DB_INT, BodyId, RequestBody
from teameval.projects.teams.schemas import LayoutOut
from teameval.projects.teams.sources.generate import MAX_TEAM_SIZE, MIN_TEAM_SIZE


class CloneIn(RequestBody):
    source_project_id: BodyId = Field(
        description="A project of the same course whose current teams are copied."
    )


class GenerateIn(RequestBody):
    team_size: int = Field(
        ge=MIN_TEAM_SIZE, le=MAX_TEAM_SIZE, description="The wanted team size k."
    )
    seed: int | None = Field(
        default=None,
        ge=0,
        le=MAX_DB_INT,
        description="0 to 2**31 - 1: makes the layout reproducible; drawn (and answered) when "
        "absent.",
    )
    include: Literal["all", "unassigned"] = Field(
        default="all",
        description="`all`: every enrolled student, replacing the layout; `unassigned`: only "
        "students in no current team, into new teams after the existing ones.",
    )


class SkippedOut(BaseModel):
    student_id: int
    reason: str
    group_id: int | None = Field(default=None, description="from-groups: the legacy group.")
    team_id: int | None = Field(default=None, description="clone: the source team version.")


class SourcedLayoutOut(LayoutOut):
    skipped: list[SkippedOut] = Field(
        description="People of the source who could not be put in a team, and why."
    )


class GeneratedLayoutOut(LayoutOut):
    seed: int = Field(description="The seed dealt with: send it again to get the same layout.")
    team_size: int
    include: Literal["all", "unassigned"]


class LineErrorOut(BaseModel):
    line: int
    field: str
    message: str


class ImportOut(LayoutOut):
    """Preview: the plan, nothing written (``teams`` empty). Commit: the applied layout."""

    mode: Literal["preview", "commit"]
    valid: bool
    committed: bool
    encoding: str
    delimiter: str
    errors: list[LineErrorOut]
