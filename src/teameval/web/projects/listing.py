"""``/projects``: the projects the caller may see, filtered by course and status, and the form
that creates one (→ the new project's page)."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from teameval.access import visible_courses
from teameval.deps import SessionDep
from teameval.errors import AppError, InvalidInput
from teameval.models import Course, ProjectStatus
from teameval.projects import service as projects
from teameval.projects.schemas import DESCRIPTION_MAX, TITLE_MAX, ProjectCreate
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import Page, StaffPage
from teameval.web.projects import labels, views

router = APIRouter(include_in_schema=False)


def _int_or_none(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isdigit() and len(text) <= 9 else None


def _status_or_none(value: str | None) -> ProjectStatus | None:
    try:
        return ProjectStatus(value) if value else None
    except ValueError:
        return None


def _list_page(
    page: Page,
    session: Session,
    *,
    course_id: int | None = None,
    status: ProjectStatus | None = None,
    page_number: int = 1,
    form: dict[str, str] | None = None,
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    principal = page.principal
    rows, total = views.project_rows(
        session, views.project_rows_query(principal, course_id, status), page_number
    )
    filter_courses = session.scalars(visible_courses(principal).order_by(Course.code)).all()
    create_courses = session.scalars(views.courses_to_teach(principal, active_only=True)).all()
    query = {"course_id": course_id or "", "status": status.value if status else ""}
    context: dict[str, Any] = {
        "rows": rows,
        "paging": {
            "page": page_number,
            "pages": max(1, math.ceil(total / views.PAGE_SIZE)),
            "total": total,
        },
        "base_query": urlencode(query) + "&",
        "course_id": course_id,
        "status": status.value if status else "",
        "filter_courses": [(c.id, f"{c.code} · {c.name}") for c in filter_courses],
        "create_courses": [(c.id, f"{c.code} · {c.name}") for c in create_courses],
        "statuses": [(s.value, page.gettext(labels.STATUS_NAMES[s.value])) for s in ProjectStatus],
        "status_names": labels.STATUS_NAMES,
        "status_badges": labels.STATUS_BADGES,
        "form": form or {},
        "errors": errors or [],
        "field_errors": {e["field"]: e["message"] for e in errors or [] if e.get("field")},
    }
    return page.render("projects/list.html", context, status_code=status_code)


@router.get("/projects")
def projects_page(
    page: StaffPage,
    session: SessionDep,
    course_id: Annotated[str | None, Query(max_length=12)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    page_number: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
) -> Response:
    return _list_page(
        page,
        session,
        course_id=_int_or_none(course_id),
        status=_status_or_none(status),
        page_number=page_number,
    )


def _date(page: Page, field: str, value: str, errors: list[dict[str, str]]) -> date | None:
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(
            {
                "field": field,
                "message": page.gettext("Enter a date as year-month-day, e.g. 2026-02-02."),
            }
        )
        return None


@router.post("/projects", dependencies=[CsrfChecked])
def create_project(
    page: StaffPage,
    session: SessionDep,
    course_id: Annotated[str, Form(max_length=12)] = "",
    title: Annotated[str, Form(max_length=TITLE_MAX * 2)] = "",
    description: Annotated[str, Form(max_length=DESCRIPTION_MAX * 2)] = "",
    start_date: Annotated[str, Form(max_length=32)] = "",
    end_date: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    form = {
        "course_id": course_id,
        "title": title,
        "description": description,
        "start_date": start_date,
        "end_date": end_date,
    }
    errors: list[dict[str, str]] = []
    course_number = _int_or_none(course_id)
    course = (
        views.course_to_teach(session, page.principal, course_number) if course_number else None
    )
    if course is None:
        errors.append(
            {"field": "course_id", "message": page.gettext("Choose one of your courses.")}
        )
    if not title.strip():
        errors.append({"field": "title", "message": page.gettext("Give the project a title.")})
    elif len(title.strip()) > TITLE_MAX:
        message = page.gettext("The title is too long (at most %(max)s characters).") % {
            "max": TITLE_MAX
        }
        errors.append({"field": "title", "message": message})
    if len(description) > DESCRIPTION_MAX:
        message = page.gettext("The description is too long (at most %(max)s characters).") % {
            "max": DESCRIPTION_MAX
        }
        errors.append({"field": "description", "message": message})
    start = _date(page, "start_date", start_date, errors)
    end = _date(page, "end_date", end_date, errors)
    if start and end and end < start:
        message = page.gettext("The end date is before the start date.")
        errors.append({"field": "end_date", "message": message})
    if errors or course is None:
        return _list_page(page, session, form=form, errors=errors, status_code=422)
    try:
        with session.begin_nested():
            body = ProjectCreate(
                title=title.strip(),
                description=description.strip() or None,
                start_date=start,
                end_date=end,
            )
            project = projects.create_project(session, page.principal.actor, course, body)
    except ValidationError as invalid:  # what the API's body would refuse (control characters)
        found = [
            {"field": str(error["loc"][0]) if error["loc"] else "", "message": error["msg"]}
            for error in invalid.errors()
        ]
        return _list_page(page, session, form=form, errors=found, status_code=422)
    except InvalidInput as invalid:
        found = invalid.extensions.get("errors") or [{"field": "", "message": invalid.detail}]
        return _list_page(page, session, form=form, errors=found, status_code=422)
    except AppError as refused:  # a deactivated course: 409
        errors = [{"field": "course_id", "message": refused.detail}]
        return _list_page(page, session, form=form, errors=errors, status_code=refused.status)
    message = page.gettext("Project “%(title)s” created.") % {"title": project.title}
    return page.redirect(f"/projects/{project.id}", flash=message)
