"""Bad CSV input and bad uploads: a clear refusal naming the line, never mojibake or a 500.

Encodings (mixed, undefined Windows-1252 bytes, UTF-16 with and without BOM), control
characters in cells (preview and commit, over HTTP and the CLI), team numbers past the column,
and uploads refused before their body is read (no token; declared or streamed over the limit).
"""

from __future__ import annotations

import asyncio
import codecs
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from teameval.config import Settings
from teameval.kit.csv_files import UnusableFile, decode
from teameval.models import AuditLog, User
from teameval.roster.csv.api import FORM_OVERHEAD_BYTES
from teameval.roster.csv.parsing import parse
from tests.cli_helpers import run_cli
from tests.roster.conftest import RosterWorld
from tests.roster.import_helpers import IMPORT_URL, csv_bytes, post_import

Factory = sessionmaker[Session]
LIMITS = {"max_bytes": 10_000_000, "max_rows": 10_000}
ROWS = [["email", "name", "class_name"], ["zoe@north.nl", "Zoë Ürük", "4A"], ["a@b.nl", "Ab", ""]]


def _text(rows: list[list[str]]) -> str:
    return "".join(",".join(row) + "\r\n" for row in rows)


def _cells(data: bytes) -> tuple[str, list[tuple[int, dict[str, str]]]]:
    parsed = parse(data, **LIMITS)
    return parsed.encoding, [(row.line, row.cells) for row in parsed.rows]


EXPECTED_CELLS = [
    (2, {"email": "zoe@north.nl", "name": "Zoë Ürük", "class_name": "4A"}),
    (3, {"email": "a@b.nl", "name": "Ab", "class_name": ""}),
]


# --- encodings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (_text(ROWS).encode("utf-16"), "UTF-16"),
        (codecs.BOM_UTF16_LE + _text(ROWS).encode("utf-16-le"), "UTF-16"),
        (codecs.BOM_UTF16_BE + _text(ROWS).encode("utf-16-be"), "UTF-16"),
        (_text(ROWS).encode("utf-16-le"), "UTF-16 LE without BOM"),
        (_text(ROWS).encode("utf-16-be"), "UTF-16 BE without BOM"),
        (_text(ROWS).encode("utf-8"), "UTF-8"),
        (codecs.BOM_UTF8 + _text(ROWS).encode("utf-8"), "UTF-8 with BOM"),
        (_text(ROWS).encode("cp1252"), "Windows-1252"),
    ],
)
def test_every_supported_encoding_reads_the_same_cells(data: bytes, encoding: str) -> None:
    assert _cells(data) == (encoding, EXPECTED_CELLS)


def test_a_file_mixing_utf8_and_cp1252_is_refused_naming_the_first_bad_line() -> None:
    # Line 2 UTF-8, line 3 pasted from a Windows-1252 file: either reading would corrupt one.
    data = (
        "email,name\r\nzoe@north.nl,Zoë\r\n".encode()
        + "ann@north.nl,Anaïs\r\n".encode("cp1252")
        + "bo@north.nl,Bø\r\n".encode()
    )
    with pytest.raises(UnusableFile) as raised:
        parse(data, **LIMITS)
    problem = raised.value.to_problem()
    assert problem["line"] == 3
    assert problem["errors"] == [
        {"field": "file", "line": 3, "message": raised.value.detail},
    ]
    assert "mixes encodings: line 3 is not UTF-8" in raised.value.detail


@pytest.mark.parametrize("byte", [0x81, 0x8D, 0x8F, 0x90, 0x9D])
def test_bytes_windows_1252_does_not_define_are_refused_naming_the_line(byte: int) -> None:
    data = b"email,name\r\nzoe@north.nl,Zo\xeb\r\nann@north.nl,A" + bytes([byte]) + b"n\r\n"
    with pytest.raises(UnusableFile) as raised:
        parse(data, **LIMITS)
    assert raised.value.to_problem()["line"] == 3
    assert f"line 3 has byte 0x{byte:02X}" in raised.value.detail


def test_a_bomless_utf16_file_cut_in_half_a_character_is_refused() -> None:
    data = _text(ROWS).encode("utf-16-le")[:-1]
    with pytest.raises(UnusableFile, match="UTF-16 LE without BOM"):
        parse(data, **LIMITS)


def test_a_utf8_file_with_one_nul_is_read_as_utf8_not_utf16() -> None:
    encoding, rows = _cells(b"email,name\nzoe@north.nl,Zo\x00e\n")
    assert (encoding, rows) == ("UTF-8", [(2, {"email": "zoe@north.nl", "name": "Zo\x00e"})])


# Latin-1 letters only (so every encoding below can hold them); Windows-1252 bytes >= 0xC0.
_LETTERS = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-@" + "éëèêïöüäàçñÉËÖÜßøå"
)
_ROW_TEXT = st.text(alphabet=_LETTERS, min_size=1, max_size=30)


@given(
    names=st.lists(_ROW_TEXT, min_size=1, max_size=6),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252"]),
)
def test_decoding_gives_back_the_text_in_every_encoding(names: list[str], encoding: str) -> None:
    text = "email,name\r\n" + "".join(f"s{i}@b.nl,{n}\r\n" for i, n in enumerate(names))
    assert decode(text.encode(encoding))[0] == text


@given(
    before=st.lists(_ROW_TEXT, max_size=4),
    utf8_name=_ROW_TEXT.filter(lambda n: not n.isascii()),
    cp1252_name=_ROW_TEXT.filter(lambda n: not n.isascii()),
    first_utf8=st.booleans(),
)
def test_any_file_mixing_utf8_and_cp1252_is_refused_at_the_first_cp1252_line(
    before: list[str], utf8_name: str, cp1252_name: str, first_utf8: bool
) -> None:
    # ASCII-only rows, then one row in each encoding; whichever comes first, the refusal names
    # the cp1252 row (the first line that is not UTF-8) and nothing is read as mojibake.
    head = "email,name\n" + "".join(
        f"a{i}@b.nl,{n.encode('ascii', 'ignore').decode()}\n" for i, n in enumerate(before)
    )
    utf8 = f"u@b.nl,{utf8_name}\n".encode()
    cp1252 = f"c@b.nl,{cp1252_name}\n".encode("cp1252")
    data = head.encode() + (utf8 + cp1252 if first_utf8 else cp1252 + utf8)
    cp1252_line = head.count("\n") + (2 if first_utf8 else 1)
    with pytest.raises(UnusableFile) as raised:
        decode(data)
    assert raised.value.to_problem()["line"] == cp1252_line


def test_a_mixed_file_over_http_writes_nothing(
    client: TestClient, admin: dict[str, str], session_factory: Factory
) -> None:
    data = "email,name\nzoe@north.nl,Zoë\n".encode() + "ann@north.nl,Anaïs\n".encode("cp1252")
    response = post_import(client, admin, data, mode="commit")
    assert response.status_code == 422
    body = response.json()
    assert (body["type"], body["line"]) == ("/problems/unusable-import-file", 3)
    assert _user_names(session_factory) == {}


def test_a_bomless_utf16_file_is_imported_over_http(
    client: TestClient, admin: dict[str, str], session_factory: Factory
) -> None:
    response = post_import(client, admin, _text(ROWS).encode("utf-16-be"), mode="commit")
    assert response.status_code == 200, response.text
    assert response.json()["encoding"] == "UTF-16 BE without BOM"
    assert _user_names(session_factory) == {"zoe@north.nl": "Zoë Ürük", "a@b.nl": "Ab"}


# --- control characters and numbers in cells --------------------------------------------------


def _user_names(factory: Factory) -> dict[str, str]:
    """Students created by the import (the worlds' own students are at example addresses)."""
    with factory() as session:
        rows = session.execute(
            select(User.email, User.name).where(User.email.not_like("%example%"))
        ).all()
    return dict(rows)


def _audit_rows(factory: Factory) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(AuditLog)) or 0)


BAD_CELLS = csv_bytes(
    [
        ["email", "Naam", "klas"],
        ["ok@north.nl", "Fine", "4A"],
        ["nul@north.nl", "Nu\x00l", "4A"],
        ["bell@north.nl", "Bell", "4\x07A"],
        ["tab@north.nl", '"Tab\tin quotes"', '"4A\r\nB"'],
    ]
)
EXPECTED_ERRORS = [
    {
        "line": 3,
        "email": "nul@north.nl",
        "message": "column 'Naam' contains a control character U+0000 at position 3; "
        "remove it and try again",
    },
    {
        "line": 4,
        "email": "bell@north.nl",
        "message": "column 'klas' contains a control character U+0007 at position 2; "
        "remove it and try again",
    },
]


def test_control_characters_in_cells_are_row_errors_in_preview_and_commit(
    client: TestClient, admin: dict[str, str], session_factory: Factory, worlds: RosterWorld
) -> None:
    audit_before = _audit_rows(session_factory)
    preview = post_import(client, admin, BAD_CELLS)
    assert preview.status_code == 200, preview.text
    assert preview.json()["errors"] == EXPECTED_ERRORS
    assert [row["action"] for row in preview.json()["rows"]] == [
        "create",
        "error",
        "error",
        "create",
    ]
    commit = post_import(client, admin, BAD_CELLS, mode="commit")
    assert commit.status_code == 422, commit.text
    assert commit.json()["errors"] == EXPECTED_ERRORS
    assert _user_names(session_factory) == {}
    assert _audit_rows(session_factory) == audit_before
    skipped = post_import(client, admin, BAD_CELLS, mode="commit", skip_invalid=True)
    assert skipped.status_code == 200, skipped.text
    # A tab or a line break inside a quoted cell is one space: every field is one line.
    assert _user_names(session_factory) == {"ok@north.nl": "Fine", "tab@north.nl": "Tab in quotes"}
    with session_factory() as session:
        assert session.scalar(select(User.class_name).where(User.email == "tab@north.nl")) == "4A B"


@pytest.mark.legacy
def test_team_numbers_past_the_column_are_row_errors(
    client: TestClient, admin: dict[str, str], session_factory: Factory, worlds: RosterWorld
) -> None:
    data = csv_bytes(
        [
            ["email", "name", "courses", "team"],
            ["big@north.nl", "Big", "OO-4A", str(2**31)],
            ["huge@north.nl", "Huge", "OO-4A", str(10**30)],
        ]
    )
    response = post_import(client, admin, data, mode="commit")
    assert response.status_code == 422, response.text
    assert [(e["line"], e["message"]) for e in response.json()["errors"]] == [
        (2, f"bad team '{2**31}': a team is a whole number from 1 to 999999"),
        (3, f"bad team '{10**30}': a team is a whole number from 1 to 999999"),
    ]
    assert _user_names(session_factory) == {}


@pytest.mark.parametrize("commit", [False, True])
def test_cli_json_reports_a_nul_cell_as_a_row_error(
    db_url: str, tmp_path: Path, worlds: RosterWorld, session_factory: Factory, commit: bool
) -> None:
    path = tmp_path / "students.csv"
    path.write_bytes(BAD_CELLS)
    args = ["import", "students", str(path), "--school", "north", "--database-url", db_url]
    result = run_cli(*args, *(["--commit"] if commit else []), "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)  # exactly one JSON document, no traceback
    assert report["errors"] == EXPECTED_ERRORS
    assert (report["mode"], report["committed"]) == ("commit" if commit else "preview", False)
    assert _user_names(session_factory) == {}


def test_cli_json_refuses_a_mixed_file_with_one_problem_document(
    db_url: str, tmp_path: Path, worlds: RosterWorld, session_factory: Factory
) -> None:
    path = tmp_path / "students.csv"
    path.write_bytes(
        "email,name\nzoe@north.nl,Zoë\n".encode() + "a@north.nl,Anaïs\n".encode("cp1252")
    )
    args = ["import", "students", str(path), "--school", "north", "--database-url", db_url]
    result = run_cli(*args, "--commit", "--json")
    assert result.exit_code == 2, result.output
    problem = json.loads(result.stdout)
    assert (problem["type"], problem["line"]) == ("/problems/unusable-import-file", 3)
    assert _user_names(session_factory) == {}


# --- uploads refused before reading ----------------------------------------------------------


class CountingBody:
    """A request body that records how many bytes the server pulled from it."""

    def __init__(self, chunk: bytes, chunks: int, prefix: bytes = b"") -> None:
        self.chunk, self.chunks, self.prefix = chunk, chunks, prefix
        self.consumed = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.consumed += len(self.prefix)
        yield self.prefix
        for _ in range(self.chunks):
            self.consumed += len(self.chunk)
            yield self.chunk


def _send(app: FastAPI, headers: dict[str, str], body: CountingBody) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            return await http.post(IMPORT_URL, headers=headers, content=body)

    return asyncio.run(go())


BOUNDARY = "b0undary"
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
PART_HEAD = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="s.csv"\r\n'
    "Content-Type: text/csv\r\n\r\nemail\r\n"
).encode()
MB = 1024 * 1024


def test_an_unauthenticated_200_mb_upload_is_refused_without_reading_it(
    client: TestClient,
) -> None:
    body = CountingBody(b"x" * MB, 200, PART_HEAD)
    headers = {**MULTIPART, "Content-Length": str(200 * MB + len(PART_HEAD))}
    response = _send(client.app, headers, body)  # type: ignore[arg-type]
    assert response.status_code == 401, response.text
    assert response.json()["type"] == "/problems/unauthenticated"
    assert body.consumed == 0


def test_a_declared_size_over_the_limit_is_refused_without_reading_it(
    client: TestClient, admin: dict[str, str], settings: Settings
) -> None:
    declared = settings.import_max_bytes + FORM_OVERHEAD_BYTES + 1
    body = CountingBody(b"x" * MB, 200, PART_HEAD)
    response = _send(client.app, {**admin, **MULTIPART, "Content-Length": str(declared)}, body)  # type: ignore[arg-type]
    assert response.status_code == 413, response.text
    assert response.json()["type"] == "/problems/import-file-too-large"
    assert body.consumed == 0


def test_a_chunked_upload_is_cut_off_once_past_the_limit(
    client: TestClient, admin: dict[str, str], settings: Settings
) -> None:
    body = CountingBody(b"x" * MB, 200, PART_HEAD)  # no Content-Length: streamed
    response = _send(client.app, {**admin, **MULTIPART}, body)  # type: ignore[arg-type]
    assert response.status_code == 413, response.text
    assert response.json()["type"] == "/problems/import-file-too-large"
    limit = settings.import_max_bytes + FORM_OVERHEAD_BYTES
    assert limit < body.consumed <= limit + MB + len(PART_HEAD)


@pytest.mark.parametrize(
    ("form", "files", "field"),
    [
        ({"mode": "write"}, True, "mode"),
        ({"skip_invalid": "maybe"}, True, "skip_invalid"),
        ({}, False, "file"),
    ],
)
def test_bad_form_fields_are_422_naming_them(
    client: TestClient,
    admin: dict[str, str],
    form: dict[str, str],
    files: bool,
    field: str,
) -> None:
    kwargs: dict[str, Any] = {"headers": admin, "data": form}
    if files:
        kwargs["files"] = {"file": ("s.csv", b"email\nx@y.nl\n", "text/csv")}
    else:
        kwargs["files"] = {"other": ("s.csv", b"email\n", "text/csv")}
    response = client.post(IMPORT_URL, **kwargs)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_documented_request_body_is_the_multipart_form(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"][IMPORT_URL]["post"]
    schema = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].split("/")[-1]]
    assert operation["requestBody"]["required"] is True
    assert schema["required"] == ["file"]
    assert set(schema["properties"]) == {"file", "mode", "skip_invalid"}
    assert schema["properties"]["mode"]["enum"] == ["preview", "commit"]
