"""A course's settings, status and teachers: admins only (``PageCourseToAdminister``: a teacher
gets 403, another school's course 404). Each post redirects back to the course page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import ValidationError

from teameval.access.pages import PageCourseToAdminister, PageUserInForm, PageUserOfSchool
from teameval.deps import SessionDep, StateDep
from teameval.errors import AppError
from teameval.models import Role
from teameval.roster.courses import service as courses
from teameval.web.courses.forms import FORM_MAX, CourseForm, service_errors, validation_errors
from teameval.web.courses.roster import course_url
from teameval.web.courses.views import CoursePageState, course_context
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import AdminPage

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form(max_length=FORM_MAX)]


@router.post("/courses/{course_id}", dependencies=[CsrfChecked])
def edit_course(
    page: AdminPage,
    course: PageCourseToAdminister,
    session: SessionDep,
    state: StateDep,
    code: FormText = "",
    name: FormText = "",
    period: FormText = "",
    level: FormText = "",
) -> Response:
    form = CourseForm(code.strip(), name.strip(), period.strip(), level.strip())
    try:
        courses.update_course(session, page.principal.actor, course, form.update_body())
    except ValidationError as invalid:
        errors = validation_errors(page, invalid)
    except AppError as refused:
        errors = service_errors(page, refused)
    else:
        return page.redirect(course_url(course.id), flash=page.gettext("The course is saved."))
    # The savepoint of the service took its change back; show the stored course beside the form.
    session.refresh(course)
    failed = CoursePageState(form=form, form_errors=errors)
    context = course_context(page, session, state.settings, course, failed)
    return page.render("courses/course.html", context, status_code=422)


@router.post("/courses/{course_id}/deactivate", dependencies=[CsrfChecked])
def deactivate_course(
    page: AdminPage, course: PageCourseToAdminister, session: SessionDep
) -> Response:
    courses.set_course_active(session, page.principal.actor, course, False)
    message = page.gettext("The course is inactive: it stays, with its students and history.")
    return page.redirect(course_url(course.id), flash=message)


@router.post("/courses/{course_id}/activate", dependencies=[CsrfChecked])
def activate_course(
    page: AdminPage, course: PageCourseToAdminister, session: SessionDep
) -> Response:
    courses.set_course_active(session, page.principal.actor, course, True)
    return page.redirect(course_url(course.id), flash=page.gettext("The course is active again."))


@router.post("/courses/{course_id}/teachers", dependencies=[CsrfChecked])
def assign_teacher(
    page: AdminPage,
    course: PageCourseToAdminister,
    teacher: PageUserInForm,
    session: SessionDep,
    state: StateDep,
) -> Response:
    try:
        _row, changed = courses.assign_teacher(session, page.principal.actor, course, teacher)
    except AppError:
        # The select offers the school's teachers; a user who is not one (or was archived since
        # the page was shown) is told so on the page.
        if teacher.role != Role.TEACHER.value:
            message = page.gettext("%(name)s is not a teacher.")
        elif teacher.archived:
            message = page.gettext("%(name)s is archived: unarchive them first.")
        else:
            raise
        failed = CoursePageState(teacher_error=message % {"name": teacher.name})
        context = course_context(page, session, state.settings, course, failed)
        return page.render("courses/course.html", context, status_code=422)
    if changed:
        message = page.gettext("%(name)s now teaches this course.")
    else:
        message = page.gettext("%(name)s already teaches this course.")
    message %= {"name": teacher.name}
    return page.redirect(course_url(course.id, "teachers"), flash=message)


@router.post("/courses/{course_id}/teachers/{user_id}/remove", dependencies=[CsrfChecked])
def unassign_teacher(
    page: AdminPage, course: PageCourseToAdminister, teacher: PageUserOfSchool, session: SessionDep
) -> Response:
    """The assignment is deactivated (kept for history); the teacher loses access to the course."""
    courses.unassign_teacher(session, page.principal.actor, course, teacher)
    message = page.gettext("%(name)s no longer teaches this course.") % {"name": teacher.name}
    return page.redirect(course_url(course.id, "teachers"), flash=message)
