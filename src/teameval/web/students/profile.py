"""``/students/{student_id}``: a student's page (details, courses, current project teams), the
edit form (through the API's PATCH service, ``update_student``) and archive / unarchive.

The form sends every field; only the ones that differ from the stored student are passed on,
as a PATCH would: a changed name wins, changed name parts compose the name, and a field left
as it was is never rewritten. Another school's student is a 404 (``PageStudentOfSchool``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import ValidationError

from teameval.access.pages import PageStudentOfSchool
from teameval.deps import SessionDep, StateDep
from teameval.errors import AppError
from teameval.models import User
from teameval.roster.students import service as students
from teameval.roster.students.profile import current_teams_of, enrollments_of
from teameval.roster.students.schemas import StudentUpdate
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import AdminPage, Page

router = APIRouter(include_in_schema=False)

# The form's fields, in its order; every one is a text field of the student.
FIELDS = ("first_name", "prefix", "last_name", "name", "email", "student_number", "class_name")
# Form input longer than this is cut before validation names it too long (the columns hold less).
_FORM_MAX = 1000


def N_(message: str) -> str:
    return message


LABELS = {
    "first_name": N_("First name"),
    "prefix": N_("Prefix"),
    "last_name": N_("Last name"),
    "name": N_("Full name"),
    "email": N_("Email address"),
    "student_number": N_("Student number"),
    "class_name": N_("Class"),
}


def stored_values(student: User) -> dict[str, str]:
    return {name: getattr(student, name) or "" for name in FIELDS}


def changed_fields(sent: dict[str, str], student: User) -> dict[str, str | None]:
    """The PATCH body of this form: only what differs; an emptied optional field is null."""
    stored = stored_values(student)
    changes: dict[str, str | None] = {}
    for name in FIELDS:
        value = sent[name].strip()
        if value == stored[name].strip():
            continue
        changes[name] = value if value or name in ("name", "email") else None
    return changes


def _validation_errors(page: Page, error: ValidationError) -> list[dict[str, str]]:
    found = []
    for item in error.errors():
        field = str(item["loc"][0]) if item.get("loc") else ""
        if field == "email":
            message = page.gettext("Enter a valid email address.")
        elif field == "name":
            message = page.gettext("Enter a name.")
        else:
            message = item.get("msg", "invalid")
        found.append({"field": field, "message": message})
    return found


def _app_errors(error: AppError) -> list[dict[str, str]]:
    if isinstance(error, students.FieldConflict):
        return [{"field": error.field or "", "message": error.detail}]
    listed = error.extensions.get("errors") or []
    if listed:
        return [
            {"field": str(e.get("field", "")), "message": str(e.get("message", ""))} for e in listed
        ]
    return [{"field": "", "message": error.detail}]


def _render(
    page: Page,
    session: Any,
    student: User,
    values: dict[str, str],
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    school_id = page.principal.school_id
    field_errors = {item["field"]: item["message"] for item in errors or [] if item["field"]}
    summary = [
        {
            "field": page.gettext(LABELS[item["field"]]) if item["field"] in LABELS else "",
            "message": item["message"],
        }
        for item in errors or []
    ]
    return page.render(
        "students/detail.html",
        {
            "student": student,
            "values": values,
            "field_errors": field_errors,
            "errors": summary,
            "labels": LABELS,
            "enrollments": enrollments_of(session, school_id, student.id),
            "teams": current_teams_of(session, school_id, student.id),
        },
        status_code=status_code,
    )


@router.get("/students/{student_id}")
def student_page(page: AdminPage, student: PageStudentOfSchool, session: SessionDep) -> Response:
    return _render(page, session, student, stored_values(student))


@router.post("/students/{student_id}", dependencies=[CsrfChecked])
def save_student(
    page: AdminPage,
    student: PageStudentOfSchool,
    session: SessionDep,
    state: StateDep,
    first_name: Annotated[str, Form(max_length=_FORM_MAX)] = "",
    prefix: Annotated[str, Form(max_length=_FORM_MAX)] = "",
    last_name: Annotated[str, Form(max_length=_FORM_MAX)] = "",
    name: Annotated[str, Form(max_length=_FORM_MAX)] = "",
    email: Annotated[str, Form(max_length=_FORM_MAX)] = "",
    student_number: Annotated[str, Form(max_length=_FORM_MAX)] = "",
    class_name: Annotated[str, Form(max_length=_FORM_MAX)] = "",
) -> Response:
    sent = {
        "first_name": first_name,
        "prefix": prefix,
        "last_name": last_name,
        "name": name,
        "email": email,
        "student_number": student_number,
        "class_name": class_name,
    }
    changes = changed_fields(sent, student)
    if not changes:
        return page.redirect(
            f"/students/{student.id}", flash=page.gettext("Nothing changed."), level="info"
        )
    try:
        body = StudentUpdate.model_validate(changes)
    except ValidationError as error:
        return _render(page, session, student, sent, _validation_errors(page, error), 422)
    try:
        students.update_student(session, page.principal.actor, student, body, state.settings)
    except AppError as error:
        if error.status not in (409, 422):
            raise
        return _render(page, session, student, sent, _app_errors(error), 422)
    return page.redirect(f"/students/{student.id}", flash=page.gettext("The student is saved."))


@router.post("/students/{student_id}/archive", dependencies=[CsrfChecked])
def archive_student(page: AdminPage, student: PageStudentOfSchool, session: SessionDep) -> Response:
    students.set_archived(session, page.principal.actor, student, True)
    return page.redirect(
        f"/students/{student.id}",
        flash=page.gettext("The student is archived and can no longer sign in."),
    )


@router.post("/students/{student_id}/unarchive", dependencies=[CsrfChecked])
def unarchive_student(
    page: AdminPage, student: PageStudentOfSchool, session: SessionDep
) -> Response:
    students.set_archived(session, page.principal.actor, student, False)
    return page.redirect(
        f"/students/{student.id}",
        flash=page.gettext("The student is active again and can sign in."),
    )
