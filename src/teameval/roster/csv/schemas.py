"""The CSV import report as the API sends it (the body ``ImportReport.to_dict()`` builds)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ImportRowError(BaseModel):
    line: int | None
    email: str
    message: str | None


class ImportRow(BaseModel):
    line: int | None
    email: str
    action: Literal["create", "update", "unchanged", "error"]
    student_id: int | None
    changes: dict[str, Any]
    message: str | None


class ImportReportOut(BaseModel):
    mode: Literal["preview", "commit"]
    committed: bool
    created: int
    updated: int
    unchanged: int
    errors: list[ImportRowError]
    rows: list[ImportRow]
    encoding: str
    delimiter: Literal["comma", "semicolon", "tab"]
    columns: dict[str, str] = Field(description="Canonical field → the file's header.")
    unknown_columns: list[str]
    warnings: list[str]
