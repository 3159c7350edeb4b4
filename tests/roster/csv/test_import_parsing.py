"""The CSV reader on its own (no database): encodings, delimiters, headers, escapes."""

from __future__ import annotations

import codecs
import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teameval.kit.csv_files import (
    FORMULA_TRIGGERS,
    FileTooLarge,
    UnusableFile,
    detect_delimiter,
    neutralise,
    unneutralise,
    write_csv,
)
from teameval.roster.csv.parsing import map_header, parse, split_courses
from tests.roster.import_helpers import PART_FIELDS

LIMITS = {"max_bytes": 10_000_000, "max_rows": 10_000}

# Letters whose Windows-1252 byte is >= 0xC0: such a byte is never a UTF-8 continuation byte,
# so a cp1252 file using them can never be mistaken for UTF-8 (the reader's one heuristic).
_ACCENTED = "éëèêïöüäàçñÉËÖÜßøå"
_CELL_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;|-@'=+&/()\"\t" + (_ACCENTED)
)
HEADER = ["email", "name", "class_name", "favourite colour"]
ENCODINGS = ["utf-8", "utf-8-bom", "cp1252", "utf-16"]


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-8-bom":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    return text.encode(encoding)  # "utf-16" writes its BOM itself


def _safe_cell() -> st.SearchStrategy[str]:
    # Cells are stripped, and a leading "'" before a formula character is the exporter's escape.
    return (
        st.text(alphabet=_CELL_ALPHABET, max_size=20)
        .map(str.strip)
        .filter(lambda cell: not cell.startswith("'"))
    )


@given(
    rows=st.lists(
        st.tuples(
            st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.nl", fullmatch=True),
            _safe_cell(),
            _safe_cell(),
            _safe_cell(),
        ),
        min_size=1,
        max_size=8,
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(ENCODINGS),
    line_ending=st.sampled_from(["\n", "\r\n"]),
)
def test_any_safe_table_parses_back_to_the_same_rows(
    rows: list[tuple[str, str, str, str]], delimiter: str, encoding: str, line_ending: str
) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_ending)
    writer.writerow(HEADER)
    writer.writerows(rows)
    parsed = parse(_encode(buffer.getvalue(), encoding), **LIMITS)
    assert parsed.delimiter == delimiter
    assert parsed.header.unknown == ["favourite colour"]
    got = [(r.cells["email"], r.cells["name"], r.cells["class_name"]) for r in parsed.rows]
    assert got == [(email, name, class_name) for email, name, class_name, _ in rows]
    assert [r.line for r in parsed.rows] == list(range(2, len(rows) + 2))


@given(st.text(max_size=30))
def test_neutralise_is_reversible_and_never_leaves_a_formula(value: str) -> None:
    escaped = neutralise(value)
    assert not escaped.startswith(FORMULA_TRIGGERS)
    assert unneutralise(escaped) == value


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("-3A", "'-3A"),  # a class name that really starts with "-" survives the round trip
        ("@home", "'@home"),
        ("+31 6", "'+31 6"),
        ("'=x", "''=x"),  # an apostrophe the user typed is kept, not eaten
        ("'quoted'", "'quoted'"),
        ("O'Brien", "O'Brien"),
    ],
)
def test_neutralise_examples(value: str, written: str) -> None:
    assert neutralise(value) == written
    assert unneutralise(written) == value


def test_written_file_has_a_bom_crlf_and_escaped_cells() -> None:
    data = write_csv(["email", "name"], [["a@b.nl", '=HYPERLINK("x")'], ["c@d.nl", "Zoë, jr"]])
    assert data.startswith(codecs.BOM_UTF8)
    text = data[3:].decode("utf-8")
    assert text.splitlines()[1] == 'a@b.nl,"\'=HYPERLINK(""x"")"'
    assert "\r\n" in text
    assert [row.cells["name"] for row in parse(data, **LIMITS).rows] == [
        '=HYPERLINK("x")',
        "Zoë, jr",
    ]


@pytest.mark.parametrize(
    ("header_line", "expected"),
    [
        ("email,name", ","),
        ("email;name;klas", ";"),
        ("email\tname", "\t"),
        ('"email;x",name,klas', ","),  # a delimiter inside quotes does not count
        ("email", ","),
        ("email;naam,voornaam;klas", ";"),
    ],
)
def test_delimiter_is_decided_by_the_header_line(header_line: str, expected: str) -> None:
    assert detect_delimiter(header_line + "\r\na@b.nl;x,y;z\r\n") == expected


def test_dutch_and_english_synonyms_case_insensitively() -> None:
    header = map_header(
        [
            "E-mailadres",
            "VOORNAAM",
            "Tussenvoegsel",
            "achternaam",
            "Leerlingnummer",
            "Klas",
            "Vakken",
            "Team",
            "Status",
            "Schoenmaat",
        ]
    )
    assert set(header.columns) == set(PART_FIELDS)
    assert header.unknown == ["Schoenmaat"]
    assert set(map_header(["e-mail", "First Name", "last_name", "course"]).columns) == {
        "email",
        "first_name",
        "last_name",
        "courses",
    }


def test_missing_email_column_is_fatal_and_says_so() -> None:
    with pytest.raises(UnusableFile, match="no email column") as caught:
        map_header(["naam", "klas"])
    assert "'naam', 'klas'" in caught.value.detail


def test_two_columns_for_one_field_are_fatal() -> None:
    with pytest.raises(UnusableFile, match="both mean email"):
        map_header(["email", "E-mail"])


@pytest.mark.parametrize(
    ("delimiter", "cell", "codes"),
    [
        (",", "OO-4A|NLT-5", ["OO-4A", "NLT-5"]),
        (",", "OO-4A; NLT-5", ["OO-4A", "NLT-5"]),
        (";", "OO-4A, NLT-5", ["OO-4A", "NLT-5"]),
        ("\t", "OO-4A,NLT-5;BSM-3", ["OO-4A", "NLT-5", "BSM-3"]),
        (",", " | ", []),
    ],
)
def test_course_cells_split_on_the_separators_that_are_not_the_delimiter(
    delimiter: str, cell: str, codes: list[str]
) -> None:
    assert split_courses(cell, delimiter) == codes


def test_line_numbers_count_physical_lines_and_blank_rows_are_skipped() -> None:
    data = b'email;name\r\na@b.nl;"two\r\nlines"\r\n;;\r\n\r\nc@d.nl;C\r\n'
    parsed = parse(data, **LIMITS)
    assert [(r.line, r.cells["email"]) for r in parsed.rows] == [(2, "a@b.nl"), (6, "c@d.nl")]


def test_missing_cells_are_empty_and_extra_non_empty_cells_are_counted() -> None:
    parsed = parse(b"email,name,klas\na@b.nl\nc@d.nl,C,4A,surprise,\n", **LIMITS)
    assert parsed.rows[0].cells == {"email": "a@b.nl", "name": "", "class_name": ""}
    assert [r.extra_cells for r in parsed.rows] == [0, 1]


def test_undecodable_bytes_make_the_file_unusable() -> None:
    # 0x81 is neither UTF-8 here nor defined in Windows-1252.
    with pytest.raises(UnusableFile, match="not readable text"):
        parse(b"email,name\na@b.nl,\x81\xe9\n", **LIMITS)


def test_limits_are_checked_before_any_row_is_used() -> None:
    data = b"email\n" + b"".join(f"s{i}@b.nl\n".encode() for i in range(5))
    with pytest.raises(FileTooLarge):
        parse(data, max_bytes=len(data) - 1, max_rows=100)
    with pytest.raises(UnusableFile, match="more than 4 rows"):
        parse(data, max_bytes=len(data), max_rows=4)
    assert len(parse(data, max_bytes=len(data), max_rows=5).rows) == 5


def test_empty_file_is_unusable() -> None:
    with pytest.raises(UnusableFile, match="empty"):
        parse(b"\xef\xbb\xbf\r\n", **LIMITS)
