"""``POST /rubrics/import``: a rubric file (our JSON or CSV, or the seed platform's CSV) over
HTTP, for admins and teachers, so the web UI can offer the same import as the command line.

``mode=preview`` (the default) answers 200 with the report; ``mode=commit`` creates every rubric,
or answers 422 with the same report and writes nothing when any line has an error. The form is
read (by ``kit.uploads``) only after the caller is known to be staff and the declared size is
within the limit, the way ``POST /admin/students/import`` reads its upload.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeAlias

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from teameval.access.dependencies import StaffMember
from teameval.assessments.rubrics.files import import_rubrics
from teameval.deps import SessionDep, StateDep
from teameval.errors import InvalidInput
from teameval.kit import uploads
from teameval.kit.uploads import MODE_PROPERTY, upload_form_schema

router = APIRouter(tags=["rubrics"])

_FORM_SCHEMA = upload_form_schema(
    "RubricImportForm",
    "Our JSON or CSV, or the seed platform's rubric CSV.",
    {"mode": MODE_PROPERTY},
)


class ImportOptions(BaseModel):
    mode: Literal["preview", "commit"] = "preview"


class RubricImportError(BaseModel):
    line: int | None = None
    column: str | None = None
    item: int | None = None
    field: str | None = None
    message: str
    rubric: str | None = None


class RubricImportSummary(BaseModel):
    id: int | None
    title: str
    scope: str
    scale_min: int
    scale_max: int
    criteria: list[str]
    lines: list[int]


class RubricImportReport(BaseModel):
    mode: Literal["preview", "commit"]
    format: str
    encoding: str
    delimiter: str | None
    committed: bool
    rubrics: list[RubricImportSummary]
    errors: list[RubricImportError]
    warnings: list[str]


Upload: TypeAlias = uploads.Upload[ImportOptions]


async def read_upload(request: Request, state: StateDep, _staff: StaffMember) -> Upload:
    return await uploads.read_upload(
        request,
        ImportOptions,
        max_bytes=state.settings.import_max_bytes,
        file_name="the rubric file",
        max_fields=5,
    )


@router.post(
    "/rubrics/import",
    operation_id="importRubrics",
    summary="Import rubrics from a file (preview or commit).",
    response_model=RubricImportReport,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": _FORM_SCHEMA}},
        }
    },
    responses={
        413: {"description": "The file (or the declared request size) is over the limit."},
        422: {"description": "Invalid form field, unusable file, or errors on commit."},
    },
)
def import_rubric_file(
    staff: StaffMember,
    session: SessionDep,
    state: StateDep,
    upload: Annotated[Upload, Depends(read_upload)],
) -> RubricImportReport:
    """Reports what it would create, with every error by line and column (``mode=preview``), or
    creates it all (``mode=commit``; any error: nothing is written, 422 with the report)."""
    commit = upload.options.mode == "commit"
    report = import_rubrics(
        session,
        staff.actor,
        upload.data,
        max_bytes=state.settings.import_max_bytes,
        max_rows=state.settings.import_max_rows,
        commit=commit,
    )
    body = report.to_dict()
    if commit and not report.committed:
        raise InvalidInput(
            f"{len(report.errors)} error(s) in the file, so nothing was imported.", **body
        )
    return RubricImportReport.model_validate(body)
