"""``/courses/{id}``: the course page. Its teachers (and admins) see the roster, each student's
team in the course's open projects, and enroll or remove students; admins also get the course's
settings and teachers (``admin``). A teacher of another course gets 403, a student too (they
have ``/my/courses``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from teameval.access.pages import PageCourseToTeach, PageStudentInForm, PageStudentOfSchool
from teameval.deps import SessionDep, StateDep
from teameval.errors import AppError
from teameval.roster.teaching import service as teaching
from teameval.roster.teaching.schemas import CourseStudentAdd
from teameval.web.courses.views import CoursePageState, course_context
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import StaffPage

router = APIRouter(include_in_schema=False)


def course_url(course_id: int, section: str = "") -> str:
    return f"/courses/{course_id}" + (f"#{section}" if section else "")


@router.get("/courses/{course_id}")
def course_page(
    page: StaffPage,
    course: PageCourseToTeach,
    session: SessionDep,
    state: StateDep,
    find: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    context = course_context(
        page, session, state.settings, course, CoursePageState(find=find.strip())
    )
    return page.render("courses/course.html", context)


@router.post("/courses/{course_id}/students", dependencies=[CsrfChecked])
def add_student(
    page: StaffPage,
    course: PageCourseToTeach,
    student: PageStudentInForm,
    session: SessionDep,
    state: StateDep,
) -> Response:
    """Enroll an existing student of the school (an archived one is refused: 422 on the page)."""
    try:
        teaching.add_student_to_course(
            session,
            page.principal,
            course,
            CourseStudentAdd(student_id=student.id),
            student,
            state.settings,
        )
    except AppError as refused:
        message = refused.detail
        if student.archived:
            message = page.gettext(
                "%(name)s cannot be enrolled: an admin must unarchive them first."
            ) % {"name": student.name}
        failed = CoursePageState(student_error=message)
        context = course_context(page, session, state.settings, course, failed)
        return page.render("courses/course.html", context, status_code=422)
    message = page.gettext("%(name)s is enrolled in this course.") % {"name": student.name}
    return page.redirect(course_url(course.id, "roster"), flash=message)


@router.post("/courses/{course_id}/students/{student_id}/remove", dependencies=[CsrfChecked])
def remove_student(
    page: StaffPage,
    course: PageCourseToTeach,
    student: PageStudentOfSchool,
    session: SessionDep,
) -> Response:
    """End the enrollment (never deleted); the service also ends the student's legacy team in the
    course and takes them out of the current teams of its draft and active projects."""
    teaching.remove_student_from_course(session, page.principal.actor, course, student)
    message = page.gettext("%(name)s has left this course and its current project teams.") % {
        "name": student.name
    }
    return page.redirect(course_url(course.id, "roster"), flash=message)
