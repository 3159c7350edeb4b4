"""The student filters the list and the CSV export share (``?q=&course=&status=``), declared once
so both routes take and document them identically."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from teameval.kit.inputs import SingleLine
from teameval.roster.students.schemas import StudentStatus


@dataclass(frozen=True)
class StudentFilter:
    search: str | None
    course_code: str | None
    status: StudentStatus | None


def student_filter(
    q: Annotated[
        SingleLine | None,
        Query(max_length=100, description="Name, email, class or student number."),
    ] = None,
    course: Annotated[
        SingleLine | None,
        Query(max_length=50, description="Only students enrolled in this code."),
    ] = None,
    status_filter: Annotated[
        StudentStatus | None,
        Query(alias="status", description="Only active or only archived students."),
    ] = None,
) -> StudentFilter:
    return StudentFilter(search=q, course_code=course, status=status_filter)


StudentFilterDep = Annotated[StudentFilter, Depends(student_filter)]
