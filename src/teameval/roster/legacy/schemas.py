"""Request and response bodies of the legacy team routes (``groups`` / ``group_members``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from teameval.kit.inputs import MAX_DB_INT, BodyId, RequestBody, SingleLine


class GroupCreate(RequestBody):
    team_number: int = Field(ge=1, le=MAX_DB_INT)
    name: SingleLine | None = Field(default=None, min_length=1, max_length=200)


class GroupMemberAdd(RequestBody):
    student_id: BodyId


class MemberOut(BaseModel):
    id: int
    email: str
    name: str


class GroupOut(BaseModel):
    id: int
    course_id: int
    name: str
    team_number: int
    members: list[MemberOut]
