"""The team CSV upload, read only after the caller is known to manage the project.

Like the student import's (``roster.csv.api``): a request whose ``Content-Length`` is over the
limit is refused (413) without reading it, a chunked body is cut off with a 413 as soon as it
passes the limit, and FastAPI does not parse the form before the access check runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile
from starlette.types import Message, Receive

from teameval.access.dependencies import ProjectToManage
from teameval.deps import StateDep
from teameval.kit.csv_files import too_large
from teameval.models import Project

# Room for what the form adds around the file: boundaries, part headers, mode.
FORM_OVERHEAD_BYTES = 64 * 1024

# The documented request body (FastAPI cannot derive it: the route reads the form itself).
FORM_SCHEMA: dict[str, Any] = {
    "title": "TeamImportForm",
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "contentMediaType": "application/octet-stream",
            "title": "File",
            "description": "CSV with team_number and email or student_number (optional "
            "team_name): UTF-8 (BOM or not), UTF-16 or Windows-1252; , ; or tab.",
        },
        "mode": {
            "type": "string",
            "enum": ["preview", "commit"],
            "title": "Mode",
            "default": "preview",
        },
    },
}


class TeamImportOptions(BaseModel):
    mode: Literal["preview", "commit"] = "preview"


@dataclass(frozen=True)
class TeamUpload:
    project: Project
    data: bytes
    options: TeamImportOptions


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


async def read_team_upload(
    request: Request, state: StateDep, project: ProjectToManage
) -> TeamUpload:
    """The project (checked first), the file (at most the limit + 1 byte) and the mode."""
    max_bytes = state.settings.import_max_bytes
    limit = max_bytes + FORM_OVERHEAD_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(max_bytes)
    form_request = Request(request.scope, _limited(request.receive, limit, max_bytes))
    async with form_request.form(max_files=1, max_fields=10) as form:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise RequestValidationError(
                [
                    {
                        "loc": ("body", "file"),
                        "msg": "Field required: the CSV file as a multipart file part",
                        "type": "value_error",
                    }
                ]
            )
        data = await file.read(max_bytes + 1)
        fields = {key: form[key] for key in ("mode",) if key in form}
    try:
        options = TeamImportOptions.model_validate(fields)
    except ValidationError as error:
        raise RequestValidationError(
            [{**item, "loc": ("body", *item["loc"])} for item in error.errors()]
        ) from error
    return TeamUpload(project=project, data=data, options=options)
