"""Request and response bodies of the course routes (courses and their teachers).

Request bodies forbid unknown fields (``RequestBody``) and use the bounded types of
``teameval.kit.inputs`` (docs/api.md).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from teameval.kit.inputs import BodyId, RequestBody, SingleLine


class CourseCreate(RequestBody):
    code: SingleLine = Field(min_length=1, max_length=50)
    name: SingleLine = Field(min_length=1, max_length=200)
    period: SingleLine | None = Field(default=None, max_length=50)
    level: SingleLine | None = Field(default=None, max_length=50)


class CourseUpdate(RequestBody):
    """Only the fields sent are changed."""

    code: SingleLine | None = Field(default=None, min_length=1, max_length=50)
    name: SingleLine | None = Field(default=None, min_length=1, max_length=200)
    period: SingleLine | None = Field(default=None, max_length=50)
    level: SingleLine | None = Field(default=None, max_length=50)
    is_active: bool | None = None


class CourseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    period: str | None
    level: str | None
    is_active: bool


class CourseRef(BaseModel):
    id: int
    code: str
    name: str


class TeacherAssign(RequestBody):
    user_id: BodyId


class TeacherAssignmentOut(BaseModel):
    course_id: int
    teacher_id: int
    active: bool
