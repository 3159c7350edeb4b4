"""The CSV import report as the API sends it (the body ``ImportReport.to_dict()`` builds)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ImportRowError(BaseModel):
    line: int | None
    email: str
    message: str | None


# A student's field value as the report shows it: text, or ``archived``'s flag.
FieldValue = str | bool | None


class FieldChange(BaseModel):
    """An existing student's field: the value before and after."""

    model_config = ConfigDict(populate_by_name=True)

    old: FieldValue = Field(alias="from")
    new: FieldValue = Field(alias="to")


class SetChange(BaseModel):
    """Courses (codes) or teams (``CODE:n``) joined and left."""

    added: list[str]
    removed: list[str]


class ImportRow(BaseModel):
    line: int | None
    email: str
    action: Literal["create", "update", "unchanged", "error"]
    student_id: int | None
    changes: dict[str, FieldChange | SetChange | FieldValue] = Field(
        description="Per field: a new student's value, an existing student's `{from, to}`; "
        "`courses` and `teams`: `{added, removed}`."
    )
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
