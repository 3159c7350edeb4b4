"""The roster's CSV file: which header means which field, rows with their line numbers, and the
course-code cells.

Decoding, the delimiter and the formula escape are the kit's (``teameval.kit.csv_files``); this
module knows the columns a student roster has, in English and Dutch.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field

from teameval.kit.csv_files import (
    decode,
    detect_delimiter,
    records,
    too_large,
    unneutralise,
    unusable,
)

# Header synonyms, after `_header_key` (lower case, no spaces, hyphens or underscores).
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": ("email", "emailaddress", "emailadres", "mail"),
    "name": ("name", "naam", "fullname", "volledigenaam"),
    "first_name": ("firstname", "voornaam", "roepnaam"),
    "prefix": ("prefix", "tussenvoegsel", "tussenvoegsels"),
    "last_name": ("lastname", "achternaam", "surname"),
    "student_number": ("studentnumber", "leerlingnummer", "studentnummer", "leerlingnr"),
    "class_name": ("classname", "class", "klas"),
    "courses": ("courses", "course", "vakken", "vak"),
    "team": ("team", "teamnummer", "teamnumber"),
    "status": ("status",),
}
_FIELD_OF_KEY = {key: name for name, keys in COLUMN_SYNONYMS.items() for key in keys}


def _header_key(header: str) -> str:
    return re.sub(r"[\s_\-.]+", "", header.strip().lstrip("\ufeff").lower())


@dataclass
class HeaderMap:
    """Which column index holds which field, and what the file had that we do not know."""

    columns: dict[str, int]
    headers: list[str]
    unknown: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.columns


def map_header(headers: list[str]) -> HeaderMap:
    columns: dict[str, int] = {}
    unknown: list[str] = []
    for index, header in enumerate(headers):
        name = _FIELD_OF_KEY.get(_header_key(header))
        if name is None:
            if header.strip():
                unknown.append(header.strip())
            continue
        if name in columns:
            first = headers[columns[name]].strip()
            raise unusable(
                f"Columns {first!r} and {header.strip()!r} both mean {name}; keep one of them."
            )
        columns[name] = index
    if "email" not in columns:
        found = ", ".join(repr(h.strip()) for h in headers if h.strip()) or "nothing"
        raise unusable(
            "The file has no email column (accepted: email, e-mail, emailadres). "
            f"The header line (line 1) has: {found}."
        )
    return HeaderMap(columns=columns, headers=headers, unknown=unknown)


@dataclass(frozen=True)
class SourceRow:
    line: int  # the line the record starts on; the header is line 1
    cells: dict[str, str]  # field name → stripped, un-neutralised cell ("" when empty/missing)
    extra_cells: int  # non-empty cells beyond the header's columns


@dataclass
class ParsedFile:
    encoding: str
    delimiter: str
    header: HeaderMap
    rows: list[SourceRow]


def parse(data: bytes, *, max_bytes: int, max_rows: int) -> ParsedFile:
    """Decode, split and map the whole file, enforcing the limits before any row is used.

    The one place the limits are checked. Callers read at most ``max_bytes + 1`` bytes (enough
    to know a file is too large without reading it all), so the message cannot state the size.
    """
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    text, encoding = decode(data)
    if not text.strip():
        raise unusable("The file is empty; the first line must be a header with an email column.")
    delimiter = detect_delimiter(text)
    reader = records(text, delimiter)
    try:
        _, headers = next(reader)
        header = map_header(headers)
        rows: list[SourceRow] = []
        for line, cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines and Excel's trailing ";;;;" rows carry nothing
            if len(rows) == max_rows:
                raise unusable(
                    f"The file has more than {max_rows:,} rows; the limit is {max_rows:,} "
                    "(TEAMEVAL_IMPORT_MAX_ROWS). Split it into smaller files.",
                    limit_rows=max_rows,
                )
            rows.append(_source_row(line, cells, header))
    except csv.Error as error:
        raise unusable(f"The file is not valid CSV: {error}.") from error
    return ParsedFile(encoding=encoding, delimiter=delimiter, header=header, rows=rows)


def _source_row(line: int, cells: list[str], header: HeaderMap) -> SourceRow:
    values = {
        name: unneutralise(cells[index].strip()) if index < len(cells) else ""
        for name, index in header.columns.items()
    }
    extra = sum(1 for cell in cells[len(header.headers) :] if cell.strip())
    return SourceRow(line=line, cells=values, extra_cells=extra)


def course_separators(delimiter: str) -> str:
    """Codes in one cell are split by "|" and by whichever of "," ";" is not the delimiter."""
    return "|" + "".join(sep for sep in (",", ";") if sep != delimiter)


def split_courses(cell: str, delimiter: str) -> list[str]:
    pattern = "[" + re.escape(course_separators(delimiter)) + "]"
    return [code.strip() for code in re.split(pattern, cell) if code.strip()]
