"""The team CSV file on its own: headers, per-line checks, limits (no database)."""

from __future__ import annotations

import codecs

import pytest

from teameval.kit.csv_files import FileTooLarge, UnusableFile
from teameval.projects.teams.sources.csv_parsing import LineError, TeamLine, parse_teams


def parse(text: str, **limits: int) -> tuple[list[TeamLine], list[LineError]]:
    parsed = parse_teams(
        text.encode("utf-8"),
        max_bytes=limits.get("max_bytes", 10_000),
        max_rows=limits.get("max_rows", 100),
    )
    return parsed.lines, parsed.errors


def test_headers_are_case_insensitive_and_synonyms_are_read() -> None:
    lines, errors = parse(
        "Team Number;E-mail;Team_Name\r\n1;Ann@North.example.org;Alpha\r\n2;bob@x.org;\r\n"
    )
    assert errors == []
    assert lines == [
        TeamLine(2, 1, "ann@north.example.org", None, "Alpha"),
        TeamLine(3, 2, "bob@x.org", None, None),
    ]


def test_student_number_instead_of_email() -> None:
    lines, errors = parse("STUDENT_NUMBER,team\n123,4\n\n,,\n")
    assert (lines, errors) == ([TeamLine(2, 4, None, "123", None)], [])


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("0", "'0' is not a team number (a whole number ≥ 1)"),
        ("-1", "'-1' is not a team number (a whole number ≥ 1)"),
        ("1.5", "'1.5' is not a team number (a whole number ≥ 1)"),
        ("x", "'x' is not a team number (a whole number ≥ 1)"),
        ("99999999999", "'99999999999' is not a team number (a whole number ≥ 1)"),
        ("", "a team number is required"),
    ],
)
def test_bad_team_numbers_are_line_errors(cell: str, message: str) -> None:
    lines, errors = parse(f"team_number,email\n1,a@x.org\n{cell},b@x.org\n")
    assert lines == [TeamLine(2, 1, "a@x.org", None, None)]
    assert errors == [LineError(3, "team_number", message)]


def test_a_line_naming_no_student_is_an_error() -> None:
    _, errors = parse("team_number,email\n1,\n")
    assert errors == [LineError(2, "email", "names no student (email or student_number is empty)")]


def test_a_quoted_cell_over_two_lines_is_refused_and_later_lines_keep_their_numbers() -> None:
    lines, errors = parse('team_number,email,team_name\n1,a@x.org,"Al\npha"\nx,b@x.org,\n')
    assert lines == []
    assert errors == [
        LineError(
            2,
            "team_name",
            "must not contain control characters (control character U+000A at position 3)",
        ),
        LineError(4, "team_number", "'x' is not a team number (a whole number ≥ 1)"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("email\na@x.org\n", "The file has no team_number column."),
        ("team_number,name\n1,x\n", "The file has neither an email nor a student_number column"),
        ("team_number,team,email\n", "Columns 'team_number' and 'team' both mean team_number"),
        ("team_number,email\n", "The file has a header but no rows; nothing to import."),
        ("  \n", "The file is empty"),
    ],
)
def test_unusable_files_are_refused_whole(text: str, message: str) -> None:
    with pytest.raises(UnusableFile) as raised:
        parse(text)
    assert raised.value.detail.startswith(message)


def test_limits() -> None:
    with pytest.raises(FileTooLarge):
        parse("team_number,email\n1,a@x.org\n", max_bytes=10)
    with pytest.raises(UnusableFile) as raised:
        parse("team_number,email\n1,a@x.org\n2,b@x.org\n", max_rows=1)
    assert raised.value.extensions["limit_rows"] == 1


def test_windows_1252_and_formula_escape() -> None:
    data = "team_number;email;team_name\r\n1;a@x.org;'=Café\r\n".encode("cp1252")
    parsed = parse_teams(data, max_bytes=1000, max_rows=10)
    assert parsed.encoding == "Windows-1252"
    assert parsed.lines == [TeamLine(2, 1, "a@x.org", None, "=Café")]
    bom = codecs.BOM_UTF8 + b"team_number,email\n1,a@x.org\n"
    assert parse_teams(bom, max_bytes=1000, max_rows=10).encoding == "UTF-8 with BOM"
