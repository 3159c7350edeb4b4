"""Request and response bodies of the roster API (courses, students, teaching, legacy teams).

Request bodies forbid unknown fields, so a typo in a field name is a 422 naming it instead of
a silently ignored value. Every request field uses the bounded types of ``teameval.inputs``: text
without control characters, integers that fit their column, lists with a cap (docs/api.md).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from teameval.inputs import (
    MAX_COURSES_PER_REQUEST,
    MAX_DB_INT,
    MAX_TEAMS_PER_REQUEST,
    BodyId,
    SingleLine,
)
from teameval.models import User

StudentStatus = Literal["active", "archived"]


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- courses -----------------------------------------------------------------------------------


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


# --- students ----------------------------------------------------------------------------------


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


# --- teaching ----------------------------------------------------------------------------------


class CourseStudentAdd(StudentFields):
    """Either ``student_id`` (an existing student) or ``email`` and a name (create if new)."""

    student_id: BodyId | None = None


class RosterEntry(StudentSummary):
    team_number: int | None
    group_id: int | None


class TeamNumberSet(RequestBody):
    team_number: int | None = Field(
        ge=1, le=MAX_DB_INT, description="The legacy team number; null = no team."
    )


# --- legacy groups -----------------------------------------------------------------------------


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


# --- CSV import report (the body ImportReport.to_dict() builds) ---------------------------------


class ImportRowError(BaseModel):
    line: int | None
    email: str
    message: str | None


class ImportRow(BaseModel):
    line: int | None
    email: str
    action: Literal["create", "update", "unchanged", "error"]
    student_id: int | None
    changes: dict[str, Any]
    message: str | None


class ImportReportOut(BaseModel):
    mode: Literal["preview", "commit"]
    committed: bool
    created: int
    updated: int
    unchanged: int
    errors: list[ImportRowError]
    rows: list[ImportRow]
    encoding: str
    delimiter: Literal["comma", "semicolon", "tab"]
    columns: dict[str, str] = Field(description="Canonical field → the file's header.")
    unknown_columns: list[str]
    warnings: list[str]
