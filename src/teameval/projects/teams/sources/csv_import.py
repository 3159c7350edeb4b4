"""A layout imported from a CSV file: lines of ``team_number`` and ``email`` or
``student_number`` (optional ``team_name``), ``backfill_source = 'import'``.

Every problem is a line error naming the line and the column: an unknown student, one who is
not a student, archived or not actively enrolled in the course, a student on two lines, a bad
team number, two names for one team number. A file with any line error makes no layout: preview
reports the errors, commit refuses it whole (invariant 5).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from teameval.models import Project, TeamSource, User
from teameval.projects.teams.layout import TeamSpec
from teameval.projects.teams.sources.csv_parsing import LineError, TeamLine, parse_teams
from teameval.projects.teams.sources.students import skip_reasons


@dataclass
class ImportedLayout:
    encoding: str
    delimiter: str
    specs: list[TeamSpec] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


def read_layout(
    session: Session, project: Project, data: bytes, *, max_bytes: int, max_rows: int
) -> ImportedLayout:
    parsed = parse_teams(data, max_bytes=max_bytes, max_rows=max_rows)
    errors = list(parsed.errors)
    students = _students_of_lines(session, project, parsed.lines, errors)
    reasons = skip_reasons(session, project.course_id, set(students.values()))
    members: dict[int, list[int]] = defaultdict(list)
    names: dict[int, tuple[str, int]] = {}  # team number → (name, the line that gave it)
    first_line_of: dict[int, int] = {}
    for item in parsed.lines:
        student_id = students.get(item.line)
        if student_id is None:
            continue
        column = "email" if item.email is not None else "student_number"
        if student_id in reasons:
            errors.append(LineError(item.line, column, f"the student is {reasons[student_id]}"))
            continue
        if student_id in first_line_of:
            errors.append(
                LineError(
                    item.line,
                    column,
                    f"the student is already on line {first_line_of[student_id]}; "
                    "a student is in one team",
                )
            )
            continue
        first_line_of[student_id] = item.line
        if item.team_name is not None:
            known = names.get(item.team_number)
            if known is None:
                names[item.team_number] = (item.team_name, item.line)
            elif known[0] != item.team_name:
                errors.append(
                    LineError(
                        item.line,
                        "team_name",
                        f"team {item.team_number} is named {known[0]!r} on line {known[1]}; "
                        "one team has one name",
                    )
                )
                continue
        members[item.team_number].append(student_id)
    errors.sort(key=lambda error: (error.line, error.field))
    layout = ImportedLayout(parsed.encoding, parsed.delimiter, errors=errors)
    if not errors:
        layout.specs = [
            TeamSpec(
                team_number=number,
                member_ids=tuple(sorted(ids)),
                name=names[number][0] if number in names else None,
                backfill_source=TeamSource.IMPORT,
            )
            for number, ids in sorted(members.items())
        ]
    return layout


def _students_of_lines(
    session: Session, project: Project, lines: list[TeamLine], errors: list[LineError]
) -> dict[int, int]:
    """line → the id of the user it names (one query); unknown ones and lines whose email and
    student number name different people become errors."""
    emails = {item.email for item in lines if item.email is not None}
    numbers = {item.student_number for item in lines if item.student_number is not None}
    if not lines:
        return {}
    conditions = []
    if emails:
        conditions.append(User.email.in_(emails))
    if numbers:
        conditions.append(User.student_number.in_(numbers))
    by_email: dict[str, tuple[int, str]] = {}
    by_number: dict[str, tuple[int, str]] = {}
    for user_id, email, number, role in session.execute(
        select(User.id, User.email, User.student_number, User.role).where(
            User.school_id == project.school_id, or_(*conditions)
        )
    ):
        by_email[email] = (user_id, role)
        if number is not None:
            by_number[number] = (user_id, role)
    found: dict[int, int] = {}
    for item in lines:
        named: list[tuple[str, tuple[int, str] | None]] = []
        if item.email is not None:
            named.append(("email", by_email.get(item.email)))
        if item.student_number is not None:
            named.append(("student_number", by_number.get(item.student_number)))
        problem = _unknown(named)
        if problem is not None:
            errors.append(LineError(item.line, *problem))
            continue
        user = named[0][1]
        assert user is not None
        if user[1] != "student":
            errors.append(LineError(item.line, named[0][0], "names a user who is not a student"))
            continue
        found[item.line] = user[0]
    return found


def _unknown(named: list[tuple[str, tuple[int, str] | None]]) -> tuple[str, str] | None:
    for column, user in named:
        if user is None:
            what = "email address" if column == "email" else "student number"
            return column, f"no one in the school has this {what}"
    if len(named) == 2 and named[0][1] != named[1][1]:
        return "student_number", "the email and the student number name different people"
    return None
