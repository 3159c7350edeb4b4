"""Small CSV files written by the tests, the import endpoint called through HTTP, and the actor
the service-level tests write as."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from teameval.audit_trail import Actor
from tests.factories import SchoolWorld

IMPORT_URL = "/api/v1/admin/students/import"
EXPORT_URL = "/api/v1/admin/students/export.csv"
# Every field the importer reads except ``name`` (the name composed from its parts), in the
# order of a school's file. Written out here, not taken from csv_io, so the tests can fail.
PART_FIELDS = [
    "email",
    "first_name",
    "prefix",
    "last_name",
    "student_number",
    "class_name",
    "courses",
    "team",
    "status",
]


def csv_bytes(
    rows: list[list[str]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    bom: bool = False,
    newline: str = "\n",
) -> bytes:
    """A CSV file as schools make it; cells are written as given (the test quotes when needed)."""
    text = newline.join(delimiter.join(row) for row in rows) + newline
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def post_import(
    client: TestClient,
    headers: dict[str, str],
    data: bytes,
    *,
    mode: str = "preview",
    skip_invalid: bool = False,
) -> Any:
    return client.post(
        IMPORT_URL,
        headers=headers,
        files={"file": ("students.csv", data, "text/csv")},
        data={"mode": mode, "skip_invalid": "true" if skip_invalid else "false"},
    )


def actions(report: dict[str, Any]) -> list[str]:
    return [row["action"] for row in report["rows"]]


def admin_actor(world: SchoolWorld) -> Actor:
    return Actor(school_id=world.school.id, user_id=world.admin.id, label="test")
