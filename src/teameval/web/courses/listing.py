"""``/courses``: the admin's list of the school's courses with the create form, or a teacher's
"My courses". Students have their own ``/my/courses``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response
from pydantic import ValidationError

from teameval.deps import SessionDep
from teameval.errors import AppError
from teameval.kit.pagination import MAX_PAGE
from teameval.roster.courses import service as courses
from teameval.web.courses.forms import FORM_MAX, CourseForm, service_errors, validation_errors
from teameval.web.courses.views import STATUSES, ListFilters, list_context
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import AdminPage, StaffPage

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form(max_length=FORM_MAX)]


@router.get("/courses")
def courses_page(
    page: StaffPage,
    session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
    status: Annotated[str, Query(max_length=20)] = "all",
    page_number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    filters = ListFilters(q.strip(), status if status in STATUSES else "all", page_number)
    return page.render("courses/list.html", list_context(page, session, filters))


@router.post("/courses", dependencies=[CsrfChecked])
def create_course(
    page: AdminPage,
    session: SessionDep,
    code: FormText = "",
    name: FormText = "",
    period: FormText = "",
    level: FormText = "",
) -> Response:
    form = CourseForm(code.strip(), name.strip(), period.strip(), level.strip())
    try:
        course = courses.create_course(session, page.principal.actor, form.create_body())
    except ValidationError as invalid:
        errors = validation_errors(page, invalid)
    except AppError as refused:
        errors = service_errors(page, refused)
    else:
        message = page.gettext("Course %(code)s created.") % {"code": course.code}
        return page.redirect(f"/courses/{course.id}", flash=message)
    context = list_context(page, session, ListFilters(), form, errors)
    return page.render("courses/list.html", context, status_code=422)
