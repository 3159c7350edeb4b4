"""``POST /rubrics/import``: a rubric file (our JSON or CSV, or the seed platform's CSV) over
HTTP, for admins and teachers, so the web UI can offer the same import as the command line.

``mode=preview`` (the default) answers 200 with the report; ``mode=commit`` creates every rubric,
or answers 422 with the same report and writes nothing when any line has an error. The form is
read only after the caller is known to be staff and the declared size is within the limit, the
way ``POST /admin/students/import`` reads its upload.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile
from starlette.types import Message, Receive

from teameval.access.dependencies import StaffMember
from teameval.assessments.rubrics.files import import_rubrics
from teameval.deps import SessionDep, StateDep
from teameval.errors import InvalidInput
from teameval.kit.csv_files import too_large

router = APIRouter(tags=["rubrics"])

FORM_OVERHEAD_BYTES = 64 * 1024
_FORM_SCHEMA: dict[str, Any] = {
    "title": "RubricImportForm",
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "contentMediaType": "application/octet-stream",
            "title": "File",
            "description": "Our JSON or CSV, or the seed platform's rubric CSV.",
        },
        "mode": {
            "type": "string",
            "enum": ["preview", "commit"],
            "title": "Mode",
            "default": "preview",
        },
    },
}


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


@dataclass(frozen=True)
class Upload:
    data: bytes
    options: ImportOptions


def _limited(receive: Receive, limit: int, max_bytes: int) -> Receive:
    received = 0

    async def limited_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise too_large(max_bytes)
        return message

    return limited_receive


async def read_upload(request: Request, state: StateDep, _staff: StaffMember) -> Upload:
    max_bytes = state.settings.import_max_bytes
    limit = max_bytes + FORM_OVERHEAD_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(max_bytes)
    form_request = Request(request.scope, _limited(request.receive, limit, max_bytes))
    async with form_request.form(max_files=1, max_fields=5) as form:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise RequestValidationError(
                [
                    {
                        "loc": ("body", "file"),
                        "msg": "Field required: the rubric file as a multipart file part",
                        "type": "value_error",
                    }
                ]
            )
        data = await file.read(max_bytes + 1)
        fields = {key: form[key] for key in ("mode",) if key in form}
    try:
        options = ImportOptions.model_validate(fields)
    except ValidationError as error:
        raise RequestValidationError(
            [{**item, "loc": ("body", *item["loc"])} for item in error.errors()]
        ) from error
    return Upload(data=data, options=options)


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
