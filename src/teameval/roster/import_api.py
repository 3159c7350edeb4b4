"""``POST /admin/students/import``: the CSV import over HTTP (admins of the school only).

Preview (the default) answers 200 with the report. A commit with row errors and without
``skip_invalid`` writes nothing and answers 422 with the same report in the problem body.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, UploadFile

from teameval.deps import AdminDep, SessionDep, StateDep
from teameval.errors import InvalidInput
from teameval.roster.importer import import_students
from teameval.roster.schemas import ImportReportOut

router = APIRouter(prefix="/admin/students", tags=["students"])


@router.post("/import", response_model=ImportReportOut)
def import_students_csv(
    admin: AdminDep,
    session: SessionDep,
    state: StateDep,
    file: Annotated[UploadFile, File(description="CSV: UTF-8 or Windows-1252; , ; or tab.")],
    mode: Annotated[Literal["preview", "commit"], Form()] = "preview",
    skip_invalid: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    # One byte past the limit is enough for the importer to refuse it (413), unread beyond.
    data = file.file.read(state.settings.import_max_bytes + 1)
    report = import_students(
        session,
        admin.actor,
        data,
        state.settings,
        commit=mode == "commit",
        skip_invalid=skip_invalid,
    )
    body = report.to_dict()
    if mode == "commit" and not report.committed:
        count = len(body["errors"])
        raise InvalidInput(
            f"{count} row(s) have errors, so nothing was imported. Fix them, or commit with "
            "skip_invalid=true to import the other rows.",
            **body,
        )
    return body
