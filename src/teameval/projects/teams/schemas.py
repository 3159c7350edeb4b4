"""Request and response bodies of the project team routes.

Request bodies forbid unknown fields and use the bounded types of ``teameval.kit.inputs``; a
layout is capped (``MAX_LAYOUT_TEAMS`` teams, ``MAX_LAYOUT_MEMBERS`` member ids in all) so one
request stays cheap (docs/api.md).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, model_validator

from teameval.kit.inputs import MAX_DB_INT, BodyId, RequestBody, SingleLine

MAX_LAYOUT_TEAMS = 500
MAX_LAYOUT_MEMBERS = 5000


class TeamCreate(RequestBody):
    team_number: int | None = Field(default=None, ge=1, le=MAX_DB_INT)
    name: SingleLine | None = Field(default=None, min_length=1, max_length=200)
    member_ids: list[BodyId] = Field(default_factory=list, max_length=MAX_LAYOUT_MEMBERS)


class TeamMembersSet(RequestBody):
    member_ids: list[BodyId] = Field(max_length=MAX_LAYOUT_MEMBERS)


class TeamRename(RequestBody):
    name: SingleLine = Field(min_length=1, max_length=200)


class LayoutTeam(RequestBody):
    team_number: int = Field(ge=1, le=MAX_DB_INT)
    name: SingleLine | None = Field(default=None, min_length=1, max_length=200)
    member_ids: list[BodyId] = Field(default_factory=list, max_length=MAX_LAYOUT_MEMBERS)


class LayoutPut(RequestBody):
    teams: list[LayoutTeam] = Field(max_length=MAX_LAYOUT_TEAMS)

    @model_validator(mode="after")
    def _members_capped(self) -> LayoutPut:
        total = sum(len(team.member_ids) for team in self.teams)
        if total > MAX_LAYOUT_MEMBERS:
            raise ValueError(
                f"at most {MAX_LAYOUT_MEMBERS} member ids per layout (this one has {total})"
            )
        return self


class MemberOut(BaseModel):
    id: int
    name: str
    email: str
    student_number: str | None


class TeamOut(BaseModel):
    id: int
    project_id: int
    team_number: int
    name: str
    version: int
    locked: bool
    locked_at: datetime | None
    lock_reason: str | None
    backfill_source: str | None
    members: list[MemberOut]


class TeamChangeOut(BaseModel):
    team_number: int
    action: str
    team_id: int | None
    new_team_id: int | None
    added: list[int]
    removed: list[int]


class LayoutOut(BaseModel):
    teams: list[TeamOut]
    changes: list[TeamChangeOut]


class TeamVersionOut(BaseModel):
    id: int
    version: int
    name: str
    members: list[MemberOut]
    current_from: datetime
    current_until: datetime | None
    is_current: bool
    locked_at: datetime | None
    lock_reason: str | None
    lock_reference_id: int | None
    locked_by_id: int | None
    archived: bool


class TeamHistoryOut(BaseModel):
    team_number: int
    versions: list[TeamVersionOut]
