"""A multipart file upload (one ``file`` part plus a few option fields), read by a dependency.

A route that declares a ``File()`` parameter has FastAPI parse the whole form before any
dependency runs, so before the access check. The upload routes read the form themselves instead,
in a dependency that runs after it: a request whose ``Content-Length`` is over the limit is
refused (413) without reading it, and a body sent without ``Content-Length`` (chunked) is cut off
with a 413 as soon as it passes the limit. The file is read up to one byte past ``max_bytes``:
enough for the importer to refuse it with its own 413.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile
from starlette.types import Message, Receive

from teameval.kit.csv_files import too_large

# Room for what the form adds around the file: boundaries, part headers, option fields.
FORM_OVERHEAD_BYTES = 64 * 1024

# The ``mode`` field every import form has: a dry run unless ``commit``.
MODE_PROPERTY: dict[str, Any] = {
    "type": "string",
    "enum": ["preview", "commit"],
    "title": "Mode",
    "default": "preview",
}

OptionsT = TypeVar("OptionsT", bound=BaseModel)


@dataclass(frozen=True)
class Upload(Generic[OptionsT]):
    data: bytes
    options: OptionsT


def upload_form_schema(
    title: str, file_description: str, options: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The documented request body (FastAPI cannot derive it: the route reads the form itself)."""
    file = {
        "type": "string",
        "contentMediaType": "application/octet-stream",
        "title": "File",
        "description": file_description,
    }
    return {
        "title": title,
        "type": "object",
        "required": ["file"],
        # A copy: the documents must not share (and so co-edit) MODE_PROPERTY.
        "properties": {"file": file, **copy.deepcopy(options)},
    }


def _limited(receive: Receive, limit: int, max_bytes: int) -> Receive:
    """``receive`` that refuses (413) the message that takes the body past ``limit`` bytes."""
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


async def read_upload(
    request: Request,
    options_model: type[OptionsT],
    *,
    max_bytes: int,
    file_name: str,
    max_fields: int = 10,
) -> Upload[OptionsT]:
    """The ``file`` part (at most ``max_bytes`` + 1 bytes) and the fields of ``options_model``,
    validated; a missing file or an invalid field is a 422 naming it (``file_name``: what the
    message calls the file, e.g. "the CSV file")."""
    limit = max_bytes + FORM_OVERHEAD_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(max_bytes)
    form_request = Request(request.scope, _limited(request.receive, limit, max_bytes))
    async with form_request.form(max_files=1, max_fields=max_fields) as form:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            message = f"Field required: {file_name} as a multipart file part"
            raise RequestValidationError(
                [{"loc": ("body", "file"), "msg": message, "type": "value_error"}]
            )
        data = await file.read(max_bytes + 1)
        fields = {key: form[key] for key in options_model.model_fields if key in form}
    try:
        options = options_model.model_validate(fields)
    except ValidationError as error:
        raise RequestValidationError(
            [{**item, "loc": ("body", *item["loc"])} for item in error.errors()]
        ) from error
    return Upload(data=data, options=options)
