"""The team CSV upload, read only after the caller is known to manage the project.

Read by ``kit.uploads``, like the student import's (``roster.csv.api``): a request whose
``Content-Length`` is over the limit is refused (413) without reading it, a chunked body is cut
off with a 413 as soon as it passes the limit, and FastAPI does not parse the form before the
access check runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fastapi import Request
from pydantic import BaseModel

from teameval.access.dependencies import ProjectToManage
from teameval.deps import StateDep
from teameval.kit.uploads import MODE_PROPERTY, read_upload, upload_form_schema
from teameval.models import Project

FORM_SCHEMA = upload_form_schema(
    "TeamImportForm",
    "CSV with team_number and email or student_number (optional "
    "team_name): UTF-8 (BOM or not), UTF-16 or Windows-1252; , ; or tab.",
    {"mode": MODE_PROPERTY},
)


class TeamImportOptions(BaseModel):
    mode: Literal["preview", "commit"] = "preview"


@dataclass(frozen=True)
class TeamUpload:
    project: Project
    data: bytes
    options: TeamImportOptions


async def read_team_upload(
    request: Request, state: StateDep, project: ProjectToManage
) -> TeamUpload:
    """The project (checked first), the file (at most the limit + 1 byte) and the mode."""
    upload = await read_upload(
        request,
        TeamImportOptions,
        max_bytes=state.settings.import_max_bytes,
        file_name="the CSV file",
    )
    return TeamUpload(project=project, data=upload.data, options=upload.options)
