"""Request and response bodies of the project routes (``/courses/{id}/projects``, ``/projects``,
``/me/projects``).

Request bodies forbid unknown fields (``RequestBody``) and use the bounded text types of
``teameval.kit.inputs`` (docs/api.md). Dates are ISO ``YYYY-MM-DD``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from teameval.kit.inputs import MultiLine, RequestBody, SingleLine
from teameval.models import ProjectStatus
from teameval.roster.courses.schemas import CourseRef

TITLE_MAX = 200
DESCRIPTION_MAX = 5_000

# An ISO date, ``YYYY-MM-DD``: ten characters, declared so (anything else is a 422 naming it).
IsoDate = Annotated[date, Field(json_schema_extra={"maxLength": 10, "examples": ["2026-02-02"]})]


class ProjectCreate(RequestBody):
    """A new project starts as ``draft``."""

    title: SingleLine = Field(min_length=1, max_length=TITLE_MAX)
    description: MultiLine | None = Field(default=None, max_length=DESCRIPTION_MAX)
    start_date: IsoDate | None = None
    end_date: IsoDate | None = Field(default=None, description="On or after `start_date`.")


class ProjectUpdate(RequestBody):
    """Only the fields sent change; ``title`` and ``status`` may be left out but not null."""

    title: SingleLine | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    description: MultiLine | None = Field(default=None, max_length=DESCRIPTION_MAX)
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    status: ProjectStatus | None = Field(
        default=None, description="A lifecycle transition (docs/projects.md)."
    )


class ProjectOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    course_id: int
    title: str
    description: str | None
    start_date: date | None
    end_date: date | None
    status: ProjectStatus
    created_at: datetime
    updated_at: datetime


class TeammateOut(BaseModel):
    """A member of the caller's own team: a name, never another student's email."""

    id: int
    name: str


class MyTeamOut(BaseModel):
    id: int
    team_number: int
    name: str
    version: int
    members: list[TeammateOut]


class MyProjectOut(ProjectOut):
    """A project on ``/me/projects``: its course, and the caller's current team in it (students;
    null when they are in none, and always null for staff)."""

    course: CourseRef
    my_team: MyTeamOut | None
