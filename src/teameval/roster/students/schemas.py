"""Request and response bodies of the student routes (admin students).

Request bodies forbid unknown fields (``RequestBody``), so a typo in a field name is a 422 naming
it instead of a silently ignored value. Every request field uses the bounded types of
``teameval.kit.inputs``: text without control characters, integers that fit their column, lists
with a cap (docs/api.md).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from teameval.kit.inputs import (
    MAX_COURSES_PER_REQUEST,
    MAX_DB_INT,
    MAX_TEAMS_PER_REQUEST,
    RequestBody,
    SingleLine,
)
from teameval.models import User
from teameval.roster.courses.schemas import CourseRef

StudentStatus = Literal["active", "archived"]


class TeamRef(RequestBody):
    course: SingleLine = Field(min_length=1, max_length=50, description="Course code.")
    team_number: int = Field(ge=1, le=MAX_DB_INT)


CourseCode = Annotated[SingleLine, Field(min_length=1, max_length=50)]
CourseCodes = Annotated[list[CourseCode], Field(max_length=MAX_COURSES_PER_REQUEST)]
TeamRefs = Annotated[list[TeamRef], Field(max_length=MAX_TEAMS_PER_REQUEST)]


class StudentFields(RequestBody):
    email: SingleLine | None = Field(default=None, min_length=3, max_length=320)
    name: SingleLine | None = Field(default=None, min_length=1, max_length=200)
    first_name: SingleLine | None = Field(default=None, max_length=100)
    prefix: SingleLine | None = Field(default=None, max_length=50)
    last_name: SingleLine | None = Field(default=None, max_length=100)
    student_number: SingleLine | None = Field(default=None, max_length=50)
    class_name: SingleLine | None = Field(default=None, max_length=50)


class StudentCreate(StudentFields):
    email: SingleLine = Field(min_length=3, max_length=320)
    courses: CourseCodes | None = Field(default=None, description="Course codes to enroll in.")
    teams: TeamRefs | None = Field(default=None, description="Legacy teams to join.")


class StudentUpdate(StudentFields):
    """Fields not sent are not changed; ``courses`` sent is the complete wanted set."""

    courses: CourseCodes | None = None
    teams: TeamRefs | None = None


class TeamOut(BaseModel):
    course: str
    team_number: int
    group_id: int


class StudentSummary(BaseModel):
    """A student's own fields, shared by every view of a student."""

    id: int
    email: str
    name: str
    first_name: str | None
    prefix: str | None
    last_name: str | None
    student_number: str | None
    class_name: str | None
    status: StudentStatus

    @staticmethod
    def fields_of(student: User) -> dict[str, Any]:
        return {
            "id": student.id,
            "email": student.email,
            "name": student.name,
            "first_name": student.first_name,
            "prefix": student.prefix,
            "last_name": student.last_name,
            "student_number": student.student_number,
            "class_name": student.class_name,
            "status": "archived" if student.archived else "active",
        }


class StudentOut(StudentSummary):
    courses: list[CourseRef]
    teams: list[TeamOut]
