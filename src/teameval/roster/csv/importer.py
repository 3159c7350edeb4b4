"""The CSV student import: file → rows → ``StudentSpec`` → ``sync_students``, one engine for all.

The API route and the ``teameval import students`` command both call ``import_students``; it
takes a Session and never commits. Cell semantics (docs/import.md):

- A column absent from the file never changes that field.
- An empty cell never erases anything either: it means "not given" for that row. (The one
  exception is ``prefix``: when a row gives a first or last name, an empty prefix means "none".)
- ``courses`` given = exactly those active enrollments; ``team`` n = legacy team n in each of
  the row's courses (so it needs the row's ``courses``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from sqlalchemy.orm import Session

from teameval.audit_trail import Actor
from teameval.config import Settings
from teameval.kit.csv_files import DELIMITER_NAMES
from teameval.kit.inputs import control_character
from teameval.kit.normalise import normalise_email
from teameval.roster.csv.parsing import ParsedFile, SourceRow, parse, split_courses
from teameval.roster.legacy import adapter as legacy
from teameval.roster.students.sync import StudentOutcome, StudentSpec, sync_students

Mode = Literal["preview", "commit"]
_LINE_BREAKS_AND_TABS = re.compile(r"[\t\r\n]+")
STATUS_VALUES = {"active": False, "actief": False, "archived": True, "gearchiveerd": True}


class RowError(Exception):
    pass


@dataclass
class ImportReport:
    mode: Mode
    committed: bool
    encoding: str
    delimiter: str
    columns: dict[str, str]
    unknown_columns: list[str]
    warnings: list[str]
    rows: list[StudentOutcome] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def has_errors(self) -> bool:
        return any(row.action == "error" for row in self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "committed": self.committed,
            "created": self.count("create"),
            "updated": self.count("update"),
            "unchanged": self.count("unchanged"),
            "errors": [
                {"line": row.line, "email": row.email, "message": row.message}
                for row in self.rows
                if row.action == "error"
            ],
            "rows": [
                {
                    "line": row.line,
                    "email": row.email,
                    "action": row.action,
                    "student_id": row.student_id,
                    "changes": row.changes,
                    "message": row.message,
                }
                for row in self.rows
            ],
            "encoding": self.encoding,
            "delimiter": DELIMITER_NAMES[self.delimiter],
            "columns": self.columns,
            "unknown_columns": self.unknown_columns,
            "warnings": self.warnings,
        }


def import_students(
    session: Session,
    actor: Actor,
    data: bytes,
    settings: Settings,
    *,
    commit: bool = False,
    skip_invalid: bool = False,
) -> ImportReport:
    """Preview (default) or commit an import. Raises ``UnusableFile``/``FileTooLarge`` for
    problems with the file as a whole; row problems are in the report's rows."""
    parsed = parse(data, max_bytes=settings.import_max_bytes, max_rows=settings.import_max_rows)
    report = ImportReport(
        mode="commit" if commit else "preview",
        committed=False,
        encoding=parsed.encoding,
        delimiter=parsed.delimiter,
        columns={
            name: parsed.header.headers[i].strip() for name, i in parsed.header.columns.items()
        },
        unknown_columns=parsed.header.unknown,
        warnings=[],
    )
    use_teams = parsed.header.has("team")
    if use_teams and not legacy.is_on(settings):
        use_teams = False
        report.warnings.append(
            "The team column was ignored: legacy teams are switched off "
            "(TEAMEVAL_LEGACY_GROUPS=off). Courses were still applied."
        )
    if parsed.header.unknown:
        report.warnings.append(
            "Columns not imported (unknown): " + ", ".join(parsed.header.unknown) + "."
        )
    row_errors: dict[int, StudentOutcome] = {}
    specs: list[StudentSpec] = []
    duplicates = _duplicate_lines(parsed.rows)
    for row in parsed.rows:
        email = normalise_email(row.cells["email"])
        try:
            if row.line in duplicates:
                raise RowError(duplicates[row.line])
            specs.append(_spec(row, parsed, use_teams))
        except RowError as error:
            row_errors[row.line] = StudentOutcome(
                email=email, action="error", line=row.line, message=str(error), error_kind="invalid"
            )
    # With row errors already found, a commit without --skip-invalid only plans (writes nothing).
    write = commit and (skip_invalid or not row_errors)
    outcomes = sync_students(session, actor, specs, write=write, atomic=not skip_invalid)
    report.committed = write and (skip_invalid or not any(o.action == "error" for o in outcomes))
    by_line = {outcome.line: outcome for outcome in outcomes}
    report.rows = [row_errors.get(row.line) or by_line[row.line] for row in parsed.rows]
    return report


def _duplicate_lines(rows: list[SourceRow]) -> dict[int, str]:
    """Every line whose email is also on another line (all of them: which one is right?)."""
    lines_by_email: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        email = normalise_email(row.cells["email"])
        if email:
            lines_by_email[email].append(row.line)
    messages = {}
    for email, lines in lines_by_email.items():
        if len(lines) > 1:
            for line in lines:
                others = ", ".join(str(other) for other in lines if other != line)
                messages[line] = f"the email {email} appears more than once (also on line {others})"
    return messages


def _given(row: SourceRow, name: str) -> str | None:
    """The cell, or None when the column is absent or the cell empty ("not given")."""
    value = row.cells.get(name)
    return value or None


def _plain_cells(row: SourceRow, parsed: ParsedFile) -> SourceRow:
    """The row with tabs and line breaks inside quoted cells turned into one space (every field
    is one line, as the API requires); any other control character is a row error, in preview
    and commit alike (PostgreSQL refuses NUL in text, so a preview that let it pass would
    promise a failing commit)."""
    for name, value in row.cells.items():
        problem = control_character(value, multi_line=True)
        if problem:
            column = parsed.header.headers[parsed.header.columns[name]].strip()
            raise RowError(f"column {column!r} contains a {problem}; remove it and try again")
    cells = {name: _LINE_BREAKS_AND_TABS.sub(" ", value) for name, value in row.cells.items()}
    return replace(row, cells=cells)


def _spec(row: SourceRow, parsed: ParsedFile, use_teams: bool) -> StudentSpec:
    row = _plain_cells(row, parsed)
    if row.extra_cells:
        raise RowError(
            f"the row has {row.extra_cells} more non-empty cell(s) than the header has columns"
        )
    first, last = _given(row, "first_name"), _given(row, "last_name")
    prefix = _given(row, "prefix")
    if prefix is None and parsed.header.has("prefix") and (first or last):
        prefix = ""  # "Jan" "" "Jansen": no prefix, so clear an old one
    courses_cell = _given(row, "courses")
    courses = None
    if courses_cell is not None:
        courses = frozenset(split_courses(courses_cell, parsed.delimiter))
        if not courses:
            # Only separators: read as "no courses" it would unenroll the student from every
            # course, which an empty cell never does. Refuse rather than guess.
            raise RowError(
                f"no course code in {courses_cell!r}: leave the cell empty to keep the "
                "student's courses"
            )
    teams = None
    team_cell = _given(row, "team") if use_teams else None
    if team_cell is not None:
        if not re.fullmatch(r"[0-9]{1,6}", team_cell) or int(team_cell) < 1:
            raise RowError(f"bad team {team_cell!r}: a team is a whole number from 1 to 999999")
        if not courses:
            raise RowError(
                f"a team needs the row's courses (which course is team {int(team_cell)} in?)"
            )
        teams = frozenset((code, int(team_cell)) for code in courses)
    status_cell = _given(row, "status")
    archived = None
    if status_cell is not None:
        if status_cell.lower() not in STATUS_VALUES:
            raise RowError(f"bad status {status_cell!r}: use active or archived")
        archived = STATUS_VALUES[status_cell.lower()]
    return StudentSpec(
        email=row.cells["email"],
        name=_given(row, "name"),
        first_name=first,
        prefix=prefix,
        last_name=last,
        student_number=_given(row, "student_number"),
        class_name=_given(row, "class_name"),
        courses=courses,
        teams=teams,
        archived=archived,
        line=row.line,
    )
