"""The course form (create and edit): what the admin typed, checked by the same request schemas
the API uses, and the errors turned into messages next to each field, in the page's language."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from pydantic import ValidationError

from teameval.errors import AppError, Conflict, InvalidInput
from teameval.models import Course
from teameval.roster.courses.schemas import CourseCreate, CourseUpdate
from teameval.web.pages import Page

FIELDS = ("code", "name", "period", "level")
# Generous bound on what a form field may carry before it is checked (the schemas say exactly).
FORM_MAX = 1000


def N_(message: str) -> str:
    return message


LABELS = {
    "code": N_("Code"),
    "name": N_("Name"),
    "period": N_("Period"),
    "level": N_("Level"),
}
REQUIRED = {"code": N_("Fill in the course code."), "name": N_("Fill in the course name.")}


@dataclass
class CourseForm:
    code: str = ""
    name: str = ""
    period: str = ""
    level: str = ""

    @classmethod
    def of(cls, course: Course) -> CourseForm:
        return cls(course.code, course.name, course.period or "", course.level or "")

    def values(self) -> dict[str, str]:
        return asdict(self)

    def create_body(self) -> CourseCreate:
        return CourseCreate(
            code=self.code, name=self.name, period=self.period or None, level=self.level or None
        )

    def update_body(self) -> CourseUpdate:
        return CourseUpdate(
            code=self.code, name=self.name, period=self.period or None, level=self.level or None
        )


@dataclass
class FormErrors:
    """Messages by field (shown next to it) and the list for the summary at the top."""

    fields: dict[str, str]

    def summary(self, page: Page) -> list[dict[str, str]]:
        return [
            {"field": page.gettext(LABELS.get(name, name)), "message": message}
            for name, message in self.fields.items()
        ]


def _message(page: Page, field: str, kind: str, context: dict[str, Any]) -> str:
    if kind in {"missing", "string_too_short", "empty", "null"}:
        return page.gettext(REQUIRED.get(field, N_("Fill in this field.")))
    if kind == "string_too_long":
        return page.gettext("Use at most %(count)s characters.") % {
            "count": context.get("max_length", "")
        }
    if kind == "value_error":
        return page.gettext("Use letters, digits and punctuation only.")
    return page.gettext("This value is not valid.")


def validation_errors(page: Page, error: ValidationError) -> FormErrors:
    found: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item.get("loc") else "code"
        found.setdefault(field, _message(page, field, item["type"], item.get("ctx") or {}))
    return FormErrors(found)


def service_errors(page: Page, error: AppError) -> FormErrors:
    """What a course service refused, on the field the admin can fix."""
    if isinstance(error, Conflict):
        return FormErrors(
            {"code": page.gettext("Another course of this school already has this code.")}
        )
    if isinstance(error, InvalidInput):
        found = {
            str(item.get("field")): _message(page, str(item.get("field")), "empty", {})
            for item in error.extensions.get("errors") or []
            if item.get("field") in FIELDS
        }
        if found:
            return FormErrors(found)
    return FormErrors({"code": error.detail or page.gettext("This value is not valid.")})
