"""Request and response bodies of a course's student roster (the teaching routes)."""

from __future__ import annotations

from pydantic import Field

from teameval.kit.inputs import MAX_DB_INT, BodyId, RequestBody
from teameval.roster.students.schemas import StudentFields, StudentSummary


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
