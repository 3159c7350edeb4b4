"""Courses: admins create and change them and assign teachers; everyone lists what they may see.

There is no DELETE: enrollments and assessments point at courses, so a course is deactivated
(``PATCH {"is_active": false}`` or ``POST /courses/{id}/deactivate``) and a DELETE answers 405.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from teameval.access import CourseAction, course_for, user_in_school
from teameval.conditional import set_location
from teameval.deps import AdminDep, PrincipalDep, SessionDep
from teameval.kit.inputs import SingleLine
from teameval.kit.pagination import Page, PageDep, fetch_page
from teameval.roster.courses import service as courses
from teameval.roster.courses.schemas import (
    CourseCreate,
    CourseOut,
    CourseUpdate,
    TeacherAssign,
    TeacherAssignmentOut,
)

router = APIRouter(tags=["courses"])


@router.post("/courses", status_code=status.HTTP_201_CREATED, response_model=CourseOut)
def create_course(
    body: CourseCreate, admin: AdminDep, session: SessionDep, request: Request, response: Response
) -> CourseOut:
    course = CourseOut.model_validate(courses.create_course(session, admin.actor, body))
    set_location(request, response, "get_course", course_id=course.id)
    return course


@router.get("/courses", response_model=Page[CourseOut])
def list_courses(
    principal: PrincipalDep,
    session: SessionDep,
    page: PageDep,
    active: Annotated[bool | None, Query(description="Only active (or inactive) courses.")] = None,
    q: Annotated[
        SingleLine | None, Query(max_length=100, description="Search code and name.")
    ] = None,
) -> Page[CourseOut]:
    query = courses.course_list_query(principal, active=active, search=q)
    rows, total = fetch_page(session, query, page)
    return Page[CourseOut](
        items=[CourseOut.model_validate(c) for c in rows],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.get("/me/courses", response_model=list[CourseOut])
def my_courses(principal: PrincipalDep, session: SessionDep) -> list[CourseOut]:
    """A student's active enrollments; a teacher's active assignments; an admin's whole school."""
    query = courses.course_list_query(principal, active=None, search=None)
    return [CourseOut.model_validate(course) for course in session.scalars(query)]


@router.get("/courses/{course_id}", response_model=CourseOut)
def get_course(course_id: int, principal: PrincipalDep, session: SessionDep) -> CourseOut:
    return CourseOut.model_validate(course_for(session, principal, course_id, CourseAction.VIEW))


@router.patch("/courses/{course_id}", response_model=CourseOut)
def update_course(
    course_id: int, body: CourseUpdate, principal: PrincipalDep, session: SessionDep
) -> CourseOut:
    course = course_for(session, principal, course_id, CourseAction.ADMINISTER)
    return CourseOut.model_validate(courses.update_course(session, principal.actor, course, body))


@router.post("/courses/{course_id}/deactivate", response_model=CourseOut)
def deactivate_course(course_id: int, principal: PrincipalDep, session: SessionDep) -> CourseOut:
    course = course_for(session, principal, course_id, CourseAction.ADMINISTER)
    return CourseOut.model_validate(
        courses.set_course_active(session, principal.actor, course, False)
    )


@router.post("/courses/{course_id}/activate", response_model=CourseOut)
def activate_course(course_id: int, principal: PrincipalDep, session: SessionDep) -> CourseOut:
    course = course_for(session, principal, course_id, CourseAction.ADMINISTER)
    return CourseOut.model_validate(
        courses.set_course_active(session, principal.actor, course, True)
    )


@router.post(
    "/courses/{course_id}/teachers",
    response_model=TeacherAssignmentOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "The teacher was already assigned."}},
)
def assign_teacher(
    course_id: int,
    body: TeacherAssign,
    principal: PrincipalDep,
    session: SessionDep,
    response: Response,
) -> TeacherAssignmentOut:
    course = course_for(session, principal, course_id, CourseAction.ADMINISTER)
    teacher = user_in_school(session, principal, body.user_id)
    row, changed = courses.assign_teacher(session, principal.actor, course, teacher)
    if not changed:
        response.status_code = status.HTTP_200_OK
    return TeacherAssignmentOut(course_id=course.id, teacher_id=teacher.id, active=row.active)


@router.delete("/courses/{course_id}/teachers/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def unassign_teacher(
    course_id: int, user_id: int, principal: PrincipalDep, session: SessionDep
) -> None:
    course = course_for(session, principal, course_id, CourseAction.ADMINISTER)
    teacher = user_in_school(session, principal, user_id)
    courses.unassign_teacher(session, principal.actor, course, teacher)
