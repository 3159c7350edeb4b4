"""Courses: admins create and change them and assign teachers; everyone lists what they may see.

There is no DELETE: enrollments and assessments point at courses, so a course is deactivated
(``PATCH {"is_active": false}`` or ``POST /courses/{id}/deactivate``) and a DELETE answers 405.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from teameval.access.dependencies import (
    CourseToAdminister,
    CourseToView,
    TeacherToAssign,
    UserOfSchool,
)
from teameval.conditional import set_location
from teameval.deps import AdminDep, PrincipalDep, SessionDep
from teameval.kit.inputs import SingleLine
from teameval.kit.pagination import Page, PageDep, fetch_page
from teameval.roster.courses import service as courses
from teameval.roster.courses.schemas import (
    CourseCreate,
    CourseOut,
    CourseUpdate,
    TeacherAssignmentOut,
)

router = APIRouter(tags=["courses"])


@router.post(
    "/courses",
    operation_id="createCourse",
    summary="Create a course.",
    status_code=status.HTTP_201_CREATED,
    response_model=CourseOut,
)
def create_course(
    body: CourseCreate, admin: AdminDep, session: SessionDep, request: Request, response: Response
) -> CourseOut:
    """Admins only; the code is unique per school, case-insensitively (409 when taken)."""
    course = CourseOut.model_validate(courses.create_course(session, admin.actor, body))
    set_location(request, response, "get_course", course_id=course.id)
    return course


@router.get(
    "/courses",
    operation_id="listCourses",
    summary="List the courses the caller may see, paged.",
    response_model=Page[CourseOut],
)
def list_courses(
    principal: PrincipalDep,
    session: SessionDep,
    page: PageDep,
    active: Annotated[bool | None, Query(description="Only active (or inactive) courses.")] = None,
    q: Annotated[
        SingleLine | None, Query(max_length=100, description="Search code and name.")
    ] = None,
) -> Page[CourseOut]:
    """Admin: the school; teacher: their active assignments; student: their active enrollments."""
    query = courses.course_list_query(principal, active=active, search=q)
    rows, total = fetch_page(session, query, page)
    return Page[CourseOut](
        items=[CourseOut.model_validate(c) for c in rows],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.get(
    "/me/courses",
    operation_id="listMyCourses",
    summary="List the caller's own courses, paged.",
    response_model=Page[CourseOut],
)
def my_courses(principal: PrincipalDep, session: SessionDep, page: PageDep) -> Page[CourseOut]:
    """A student's active enrollments; a teacher's active assignments; an admin's whole school."""
    query = courses.course_list_query(principal, active=None, search=None)
    rows, total = fetch_page(session, query, page)
    return Page[CourseOut](
        items=[CourseOut.model_validate(course) for course in rows],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.get(
    "/courses/{course_id}",
    operation_id="getCourse",
    summary="Read one course.",
    response_model=CourseOut,
)
def get_course(course: CourseToView) -> CourseOut:
    """Any course the caller may see; another school's id is a 404."""
    return CourseOut.model_validate(course)


@router.patch(
    "/courses/{course_id}",
    operation_id="updateCourse",
    summary="Change some of a course's fields.",
    response_model=CourseOut,
)
def update_course(
    course: CourseToAdminister, body: CourseUpdate, principal: PrincipalDep, session: SessionDep
) -> CourseOut:
    """Admins only; only the fields sent change."""
    return CourseOut.model_validate(courses.update_course(session, principal.actor, course, body))


@router.post(
    "/courses/{course_id}/deactivate",
    operation_id="deactivateCourse",
    summary="Deactivate a course.",
    response_model=CourseOut,
)
def deactivate_course(
    course: CourseToAdminister, principal: PrincipalDep, session: SessionDep
) -> CourseOut:
    """Courses are never deleted: enrollments and assessments point at them."""
    return CourseOut.model_validate(
        courses.set_course_active(session, principal.actor, course, False)
    )


@router.post(
    "/courses/{course_id}/activate",
    operation_id="activateCourse",
    summary="Activate a course again.",
    response_model=CourseOut,
)
def activate_course(
    course: CourseToAdminister, principal: PrincipalDep, session: SessionDep
) -> CourseOut:
    """The reverse of ``deactivateCourse``."""
    return CourseOut.model_validate(
        courses.set_course_active(session, principal.actor, course, True)
    )


@router.post(
    "/courses/{course_id}/teachers",
    operation_id="assignTeacher",
    summary="Assign a teacher to the course.",
    response_model=TeacherAssignmentOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "The teacher was already assigned."}},
)
def assign_teacher(
    course: CourseToAdminister,
    teacher: TeacherToAssign,
    principal: PrincipalDep,
    session: SessionDep,
    response: Response,
) -> TeacherAssignmentOut:
    """201 when assigned (or re-activated) now, 200 when the teacher already was."""
    row, changed = courses.assign_teacher(session, principal.actor, course, teacher)
    if not changed:
        response.status_code = status.HTTP_200_OK
    return TeacherAssignmentOut(course_id=course.id, teacher_id=teacher.id, active=row.active)


@router.delete(
    "/courses/{course_id}/teachers/{user_id}",
    operation_id="unassignTeacher",
    summary="End a teacher's assignment to the course.",
    status_code=status.HTTP_204_NO_CONTENT,
)
def unassign_teacher(
    course: CourseToAdminister, teacher: UserOfSchool, principal: PrincipalDep, session: SessionDep
) -> None:
    """The assignment is deactivated, not deleted."""
    courses.unassign_teacher(session, principal.actor, course, teacher)
