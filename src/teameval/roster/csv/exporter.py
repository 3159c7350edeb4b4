"""The student CSV export: the admin list's filters, in a file the importer reads back unchanged.

Round trip rule: exporting and then importing the same bytes reports every row ``unchanged``.
So every column the importer reads is written exactly as stored, the ``courses`` cell lists all
of a student's active courses (not just a filtered one), and ``team`` is only filled in when one
number describes the student's legacy teams exactly (the same team number in each of their
courses); otherwise it is left empty, which the importer reads as "leave the teams alone".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.kit.csv_files import write_csv
from teameval.models import School, User
from teameval.roster.students.schemas import TeamOut
from teameval.roster.students.views import active_courses_of, active_teams_of, student_list_query

EXPORT_COLUMNS = [
    "email",
    "first_name",
    "prefix",
    "last_name",
    "name",
    "student_number",
    "class_name",
    "courses",
    "team",
    "status",
]
# Student ids per IN list: well inside SQLite's 32,766 bound parameters.
_IDS_PER_QUERY = 5_000


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes
    rows: int


def export_students(
    session: Session,
    school_id: int,
    *,
    search: str | None = None,
    course_code: str | None = None,
    status: Literal["active", "archived"] | None = None,
    include_team: bool = True,
    today: date | None = None,
) -> ExportFile:
    query = student_list_query(
        session, school_id, search=search, course_code=course_code, status=status, sort="email"
    )
    students = list(session.scalars(query))
    columns = [c for c in EXPORT_COLUMNS if include_team or c != "team"]
    rows: list[list[str]] = []
    for start in range(0, len(students), _IDS_PER_QUERY):
        chunk = students[start : start + _IDS_PER_QUERY]
        ids = [student.id for student in chunk]
        courses = active_courses_of(session, ids)
        teams = active_teams_of(session, ids) if include_team else {}
        for student in chunk:
            codes = [course.code for course in courses.get(student.id, [])]
            cells = _cells(student, codes, teams.get(student.id, []))
            rows.append([cells[column] for column in columns])
    slug = session.scalar(select(School.slug).where(School.id == school_id))
    day = (today or date.today()).isoformat()
    return ExportFile(
        filename=f"students-{slug}-{day}.csv", content=write_csv(columns, rows), rows=len(rows)
    )


def _cells(student: User, codes: list[str], teams: Sequence[TeamOut]) -> dict[str, str]:
    return {
        "email": student.email,
        "first_name": student.first_name or "",
        "prefix": student.prefix or "",
        "last_name": student.last_name or "",
        "name": student.name,
        "student_number": student.student_number or "",
        "class_name": student.class_name or "",
        "courses": "|".join(codes),
        "team": single_team_number(codes, teams),
        "status": "archived" if student.archived else "active",
    }


def single_team_number(codes: list[str], teams: Sequence[TeamOut]) -> str:
    """The team number when the student is in team n of every one of their courses, else ""."""
    numbers = {team.team_number for team in teams}
    # Codes are distinct (one enrollment per course), so equal sorted lists also rule out a
    # second team in one course.
    exact = len(numbers) == 1 and sorted(team.course for team in teams) == sorted(codes)
    return str(numbers.pop()) if exact else ""
