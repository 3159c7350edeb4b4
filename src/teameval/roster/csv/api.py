"""The roster CSV over HTTP (admins of the school only): ``POST /admin/students/import`` and
``GET /admin/students/export.csv`` (the admin list, as a CSV the importer reads back).

Import: preview (the default) answers 200 with the report. A commit with row errors and
without ``skip_invalid`` writes nothing and answers 422 with the same report in the problem body.

The multipart body is read by ``read_upload``, a dependency that runs after the admin check:
a request without a valid token is refused (401) before a byte of its body is read, and one
whose ``Content-Length`` is over the limit is refused (413) without reading it. A body sent
without ``Content-Length`` (chunked) is cut off with a 413 as soon as it passes the limit.
FastAPI would otherwise parse a ``File()`` parameter before any dependency runs.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeAlias

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from teameval.deps import AdminDep, SessionDep, StateDep
from teameval.errors import InvalidInput
from teameval.kit import uploads
from teameval.kit.uploads import FORM_OVERHEAD_BYTES, MODE_PROPERTY, upload_form_schema
from teameval.roster.csv.exporter import export_students
from teameval.roster.csv.importer import import_students
from teameval.roster.csv.schemas import ImportReportOut
from teameval.roster.legacy import adapter as legacy
from teameval.roster.students.filters import StudentFilterDep

__all__ = ["FORM_OVERHEAD_BYTES", "ImportOptions", "Upload", "read_upload", "router"]

router = APIRouter(prefix="/admin/students", tags=["students"])

_FORM_SCHEMA = upload_form_schema(
    "ImportForm",
    "CSV: UTF-8 (BOM or not), UTF-16 or Windows-1252; , ; or tab.",
    {
        "mode": MODE_PROPERTY,
        "skip_invalid": {"type": "boolean", "title": "Skip Invalid", "default": False},
    },
)


class ImportOptions(BaseModel):
    mode: Literal["preview", "commit"] = "preview"
    skip_invalid: bool = False


Upload: TypeAlias = uploads.Upload[ImportOptions]


async def read_upload(request: Request, state: StateDep, _admin: AdminDep) -> Upload:
    """The uploaded file (at most the limit + 1 byte) and the form's options, read only after
    the caller is known to be an admin and the declared size is within the limit."""
    return await uploads.read_upload(
        request,
        ImportOptions,
        max_bytes=state.settings.import_max_bytes,
        file_name="the CSV file",
    )


@router.post(
    "/import",
    operation_id="importStudents",
    summary="Import students from a CSV file (dry run or commit).",
    response_model=ImportReportOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": _FORM_SCHEMA}},
        }
    },
    responses={
        413: {"description": "The file (or the declared request size) is over the limit."},
        422: {"description": "Invalid form field, unusable file, or row errors on commit."},
    },
)
def import_students_csv(
    admin: AdminDep,
    session: SessionDep,
    state: StateDep,
    upload: Annotated[Upload, Depends(read_upload)],
) -> ImportReportOut:
    """Checks every row and reports what it would do (``mode=preview``) or does it
    (``mode=commit``); a commit with row errors imports nothing unless ``skip_invalid=true``."""
    mode = upload.options.mode
    report = import_students(
        session,
        admin.actor,
        upload.data,
        state.settings,
        commit=mode == "commit",
        skip_invalid=upload.options.skip_invalid,
    )
    body = report.to_dict()
    if mode == "commit" and not report.committed:
        count = len(body["errors"])
        raise InvalidInput(
            f"{count} row(s) have errors, so nothing was imported. Fix them, or commit with "
            "skip_invalid=true to import the other rows.",
            **body,
        )
    return ImportReportOut.model_validate(body)


@router.get(
    "/export.csv",
    operation_id="exportStudents",
    summary="Export the school's students as CSV.",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "UTF-8 CSV with BOM, one student a row.",
        }
    },
)
def export_students_csv(
    admin: AdminDep,
    session: SessionDep,
    state: StateDep,
    filters: StudentFilterDep,
) -> Response:
    """The same filters as the student list; the file re-imports unchanged."""
    export = export_students(
        session,
        admin.school_id,
        search=filters.search,
        course_code=filters.course_code,
        status=filters.status,
        include_team=legacy.is_on(state.settings),
    )
    return Response(
        content=export.content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )
