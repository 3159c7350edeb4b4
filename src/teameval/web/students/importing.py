"""CSV import in three steps: ``GET /students/import`` (the upload form), ``POST
/students/import/preview`` (the importer in dry-run mode: per-line errors and every planned
change, nothing written) and ``POST /students/import/commit`` (the same bytes imported for real).

The importer is the one the API and ``teameval import students`` use, with the same limits
(``import_max_bytes``, ``import_max_rows``). A file with row errors gets no commit button: the
API commits such a file only with ``skip_invalid``, which the page does not offer; fix the file
and upload it again.

The upload is multipart. Its size is checked from ``Content-Length`` (browsers always send it)
before anything reads the body, including the CSRF check, which reads the form.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from teameval.config import Settings
from teameval.deps import SessionDep, StateDep
from teameval.errors import AppError
from teameval.kit.csv_files import too_large
from teameval.kit.uploads import FORM_OVERHEAD_BYTES
from teameval.roster.csv.importer import ImportReport, import_students
from teameval.roster.students.sync import StudentOutcome
from teameval.web.csrf import CsrfChecked
from teameval.web.i18n import NO_VALUE
from teameval.web.pages import AdminPage, Page
from teameval.web.students.upload_token import (
    MAX_TOKEN_CHARS,
    UploadRefused,
    plan_digest,
    read_upload_token,
    sign_upload,
)

router = APIRouter(include_in_schema=False)

# Rows listed in the preview's table of changes; the counts always cover every row.
ROWS_SHOWN = 1000
_ZIP_MAGIC = b"PK\x03\x04"  # .xlsx and .ods are zip files


def N_(message: str) -> str:
    return message


FIELD_LABELS = {
    "email": N_("Email address"),
    "name": N_("Full name"),
    "first_name": N_("First name"),
    "prefix": N_("Prefix"),
    "last_name": N_("Last name"),
    "student_number": N_("Student number"),
    "class_name": N_("Class"),
    "courses": N_("Courses"),
    "teams": N_("Teams"),
    "archived": N_("Archived"),
    "student_id": N_("Student"),
}
ACTION_LABELS = {
    "create": N_("new"),
    "update": N_("changed"),
    "unchanged": N_("unchanged"),
    "error": N_("error"),
}


DELIMITER_LABELS = {",": N_("commas"), ";": N_("semicolons"), "\t": N_("tabs")}


class LengthRequired(AppError):
    status = 411
    slug = "length-required"
    title = "Length required"


def upload_size_guard(request: Request, state: StateDep, _page: AdminPage) -> None:
    """Refuse an upload over the limit before its body is read (also by the CSRF check). Runs
    after the admin check, so nobody else gets to send a body this far."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return
    declared = request.headers.get("content-length", "")
    if not re.fullmatch("[0-9]{1,18}", declared):
        raise LengthRequired("The upload did not say its size; try again from the form.")
    max_bytes = state.settings.import_max_bytes
    if int(declared) > max_bytes + FORM_OVERHEAD_BYTES:
        raise too_large(max_bytes)


async def uploaded_file(request: Request, state: StateDep) -> bytes | None:
    """The ``file`` part (at most the limit + 1 byte, so the importer can refuse a larger one),
    or None when no file was chosen. The form was parsed once (by the CSRF check) and cached."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return None
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile):
        return None
    data = await file.read(state.settings.import_max_bytes + 1)
    if not data and not file.filename:
        return None  # the form was sent without choosing a file
    return data


def _upload_form(
    page: Page, settings: Settings, error: str | None = None, status_code: int = 200
) -> Response:
    return page.render(
        "students/import.html",
        {
            "error": error,
            "max_rows": settings.import_max_rows,
            "max_megabytes": settings.import_max_bytes / (1024 * 1024),
        },
        status_code=status_code,
    )


def _value_text(page: Page, value: Any) -> str:
    if value is True:
        return page.gettext("yes")
    if value is False:
        return page.gettext("no")
    if value is None or value == "":
        return NO_VALUE
    return str(value)


def change_lines(page: Page, outcome: StudentOutcome) -> list[tuple[str, str]]:
    """Each planned change of one row as (field label, what happens), in the viewer's words."""
    lines = []
    for name, change in outcome.changes.items():
        label = page.gettext(FIELD_LABELS.get(name, name))
        if isinstance(change, dict) and "added" in change:
            parts = []
            if change["added"]:
                parts.append(
                    page.gettext("added: %(codes)s") % {"codes": ", ".join(change["added"])}
                )
            if change["removed"]:
                removed = ", ".join(change["removed"])
                parts.append(page.gettext("removed: %(codes)s") % {"codes": removed})
            lines.append((label, "; ".join(parts)))
        elif isinstance(change, dict) and "from" in change:
            old, new = _value_text(page, change["from"]), _value_text(page, change["to"])
            lines.append((label, f"{old} → {new}"))
        else:
            lines.append((label, _value_text(page, change)))
    return lines


def _preview(
    page: Page,
    settings: Settings,
    data: bytes,
    report: ImportReport,
    *,
    changed_since: bool = False,
    status_code: int = 200,
) -> Response:
    principal = page.principal
    errors = [row for row in report.rows if row.action == "error"]
    changing = [row for row in report.rows if row.action in ("create", "update")]
    token = None
    too_big_to_carry = False
    if not errors and changing:
        token = sign_upload(
            page.secret_key, principal.school_id, principal.user_id, data, plan_digest(report)
        )
        if len(token) > MAX_TOKEN_CHARS:
            token, too_big_to_carry = None, True
    shown = [
        {
            "line": row.line,
            "email": row.email,
            "action": row.action,
            "changes": change_lines(page, row),
        }
        for row in changing[:ROWS_SHOWN]
    ]
    return page.render(
        "students/preview.html",
        {
            "report": report,
            "counts": {
                "created": report.count("create"),
                "updated": report.count("update"),
                "unchanged": report.count("unchanged"),
                "errors": len(errors),
                "rows": len(report.rows),
            },
            "errors": [
                {
                    "line": row.line,
                    "email": row.email,
                    "field": page.gettext(FIELD_LABELS[row.error_field])
                    if row.error_field in FIELD_LABELS
                    else "",
                    "message": row.message or "",
                }
                for row in errors
            ],
            "rows": shown,
            "hidden_rows": max(0, len(changing) - ROWS_SHOWN),
            "action_labels": ACTION_LABELS,
            "token": token,
            "too_big_to_carry": too_big_to_carry,
            "changed_since": changed_since,
            "delimiter_name": page.gettext(DELIMITER_LABELS.get(report.delimiter, "commas")),
            "max_rows": settings.import_max_rows,
            "error": None,
        },
        status_code=status_code,
    )


@router.get("/students/import")
def import_page(page: AdminPage, state: StateDep) -> Response:
    return _upload_form(page, state.settings)


@router.post(
    "/students/import/preview",
    dependencies=[Depends(upload_size_guard), CsrfChecked],
)
def preview_import(
    page: AdminPage,
    session: SessionDep,
    state: StateDep,
    data: Annotated[bytes | None, Depends(uploaded_file)],
) -> Response:
    """A dry run: the report of what the import would do; the transaction writes nothing."""
    if data is None:
        return _upload_form(page, state.settings, page.gettext("Choose a CSV file to upload."), 422)
    if data.startswith(_ZIP_MAGIC):
        message = page.gettext(
            "This is a spreadsheet workbook, not a CSV file. Save it as “CSV UTF-8” and "
            "upload that file."
        )
        return _upload_form(page, state.settings, message, 422)
    try:
        report = import_students(session, page.principal.actor, data, state.settings)
    except AppError as error:
        if error.status not in (413, 422):
            raise
        return _upload_form(page, state.settings, error.detail, error.status)
    return _preview(page, state.settings, data, report)


@router.post("/students/import/commit", dependencies=[CsrfChecked])
def commit_import(
    page: AdminPage,
    session: SessionDep,
    state: StateDep,
    upload: Annotated[str, Form(max_length=MAX_TOKEN_CHARS)] = "",
) -> Response:
    """Imports exactly the previewed bytes, if the plan is still the one that was shown."""
    principal = page.principal
    try:
        previewed = read_upload_token(
            page.secret_key, upload, principal.school_id, principal.user_id
        )
    except UploadRefused:
        message = page.gettext(
            "This preview has expired or was altered, so nothing was imported. Upload the file "
            "again."
        )
        return _upload_form(page, state.settings, message, 400)
    actor = principal.actor
    check = import_students(session, actor, previewed.data, state.settings)
    if check.has_errors or plan_digest(check) != previewed.plan:
        return _preview(
            page, state.settings, previewed.data, check, changed_since=True, status_code=409
        )
    report = import_students(session, actor, previewed.data, state.settings, commit=True)
    if not report.committed:  # the plan was just checked; only a race gets here
        return _preview(
            page, state.settings, previewed.data, report, changed_since=True, status_code=409
        )
    message = page.gettext("Import done: %(created)s created, %(updated)s updated.") % {
        "created": report.count("create"),
        "updated": report.count("update"),
    }
    return page.redirect("/students", flash=message)
