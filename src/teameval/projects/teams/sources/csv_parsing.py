"""The team CSV file: which header means which column, and each line's cells checked on their own
(team number, who the student is, the team's name). Who the students are is ``csv_import``'s.

Decoding, the delimiter, the limits and the formula escape are the kit's
(``teameval.kit.csv_files``); header names are case-insensitive and may use spaces, hyphens or
underscores (``Team number``, ``team-number``, ``TEAM_NUMBER``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

from teameval.kit.csv_files import (
    decode,
    detect_delimiter,
    records,
    too_large,
    unneutralise,
    unusable,
)
from teameval.kit.inputs import MAX_DB_INT, control_character

# Header synonyms, after ``_header_key`` (lower case, no spaces, hyphens, underscores or dots).
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "team_number": ("teamnumber", "team", "teamnummer", "teamnr", "teamno"),
    "email": ("email", "emailaddress", "emailadres", "mail"),
    "student_number": ("studentnumber", "leerlingnummer", "studentnummer", "leerlingnr"),
    "team_name": ("teamname", "teamnaam"),
}
_FIELD_OF_KEY = {key: name for name, keys in COLUMN_SYNONYMS.items() for key in keys}
MAX_TEAM_NAME = 200  # project_teams.display_name_at_time


def _header_key(header: str) -> str:
    return re.sub(r"[\s_\-.]+", "", header.strip().lstrip("\ufeff").lower())


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class TeamLine:
    """One line that passed the checks that need no database."""

    line: int
    team_number: int
    email: str | None  # lower case
    student_number: str | None
    team_name: str | None


@dataclass
class ParsedTeams:
    encoding: str
    delimiter: str
    lines: list[TeamLine]
    errors: list[LineError]


def _map_header(headers: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = _FIELD_OF_KEY.get(_header_key(header))
        if name is None:
            continue
        if name in columns:
            first = headers[columns[name]].strip()
            raise unusable(
                f"Columns {first!r} and {header.strip()!r} both mean {name}; keep one of them.",
                line=1,
            )
        columns[name] = index
    found = ", ".join(repr(h.strip()) for h in headers if h.strip()) or "nothing"
    if "team_number" not in columns:
        raise unusable(
            f"The file has no team_number column. The header line (line 1) has: {found}.", line=1
        )
    if "email" not in columns and "student_number" not in columns:
        raise unusable(
            "The file has neither an email nor a student_number column to name the students. "
            f"The header line (line 1) has: {found}.",
            line=1,
        )
    return columns


def parse_teams(data: bytes, *, max_bytes: int, max_rows: int) -> ParsedTeams:
    """Decode, split and check every line; a file that cannot be used at all raises
    ``UnusableFile`` (422) or ``FileTooLarge`` (413) before any line is used."""
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    text, encoding = decode(data)
    if not text.strip():
        raise unusable("The file is empty; the first line must be a header with team_number.")
    delimiter = detect_delimiter(text)
    reader = records(text, delimiter)
    lines: list[TeamLine] = []
    errors: list[LineError] = []
    try:
        _, headers = next(reader)
        columns = _map_header(headers)
        count = 0
        for line, cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines and Excel's trailing ";;;;" rows carry nothing
            count += 1
            if count > max_rows:
                raise unusable(
                    f"The file has more than {max_rows:,} rows; the limit is {max_rows:,} "
                    "(TEAMEVAL_IMPORT_MAX_ROWS). Split it into smaller files.",
                    limit_rows=max_rows,
                )
            values = {
                name: unneutralise(cells[index].strip()) if index < len(cells) else ""
                for name, index in columns.items()
            }
            checked = _check_line(line, values)
            if isinstance(checked, TeamLine):
                lines.append(checked)
            else:
                errors.extend(checked)
    except csv.Error as error:
        raise unusable(f"The file is not valid CSV: {error}.") from error
    if count == 0:
        raise unusable("The file has a header but no rows; nothing to import.")
    return ParsedTeams(encoding=encoding, delimiter=delimiter, lines=lines, errors=errors)


def _check_line(line: int, values: dict[str, str]) -> TeamLine | list[LineError]:
    errors: list[LineError] = []
    for column, value in values.items():
        problem = control_character(value)
        if problem:
            errors.append(
                LineError(line, column, f"must not contain control characters ({problem})")
            )
    if errors:
        return errors
    raw_number = values["team_number"]
    number: int | None = None
    if not raw_number:
        errors.append(LineError(line, "team_number", "a team number is required"))
    elif (
        not raw_number.isascii()
        or not raw_number.isdigit()
        or not 1 <= int(raw_number) <= MAX_DB_INT
    ):
        errors.append(
            LineError(
                line, "team_number", f"{raw_number!r} is not a team number (a whole number ≥ 1)"
            )
        )
    else:
        number = int(raw_number)
    email = values.get("email", "").lower() or None
    student_number = values.get("student_number", "") or None
    if email is None and student_number is None:
        field = "email" if "email" in values else "student_number"
        errors.append(LineError(line, field, "names no student (email or student_number is empty)"))
    team_name = values.get("team_name", "") or None
    if team_name is not None and len(team_name) > MAX_TEAM_NAME:
        errors.append(LineError(line, "team_name", f"is longer than {MAX_TEAM_NAME} characters"))
    if errors or number is None:
        return errors
    return TeamLine(line, number, email, student_number, team_name)
