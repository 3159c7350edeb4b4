"""Admin student management: ``/admin/students``. Admins of the school only.

There is no DELETE: a student's enrollments, teams and assessments are history, so students are
archived (they can no longer sign in) and a DELETE answers 405.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status
from sqlalchemy.orm import Session

from teameval.access import Principal
from teameval.access.dependencies import StudentOfSchool
from teameval.conditional import require_match, set_location, strong_etag
from teameval.config import Settings
from teameval.deps import AdminDep, SessionDep, StateDep
from teameval.kit.inputs import SingleLine
from teameval.kit.pagination import Page, PageDep, fetch_page
from teameval.roster.courses.enrollments import lock_students
from teameval.roster.students import service as students
from teameval.roster.students.filters import StudentFilterDep
from teameval.roster.students.schemas import StudentCreate, StudentOut, StudentUpdate
from teameval.roster.students.views import (
    fresh_student,
    student_bodies,
    student_body,
    student_list_query,
)

router = APIRouter(prefix="/admin/students", tags=["students"])


def _written_body(
    session: Session, admin: Principal, student_id: int, settings: Settings
) -> StudentOut:
    """The body of a student just written, re-read: the sync engine bypasses loaded objects."""
    return student_body(session, fresh_student(session, admin.school_id, student_id), settings)


@router.get(
    "",
    operation_id="listStudents",
    summary="List the school's students, filtered, sorted and paged.",
    response_model=Page[StudentOut],
)
def list_students(
    admin: AdminDep,
    state: StateDep,
    session: SessionDep,
    page: PageDep,
    filters: StudentFilterDep,
    sort: Annotated[
        SingleLine,
        Query(
            max_length=50,
            description="name, email, class_name, student_number or created_at; - = descending.",
        ),
    ] = "name",
) -> Page[StudentOut]:
    """Admins only; a page of students with their active course codes."""
    query = student_list_query(
        session,
        admin.school_id,
        search=filters.search,
        course_code=filters.course_code,
        status=filters.status,
        sort=sort,
    )
    rows, total = fetch_page(session, query, page)
    return Page[StudentOut](
        items=student_bodies(session, rows, state.settings),
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.post(
    "",
    operation_id="createStudent",
    summary="Create a student.",
    response_model=StudentOut,
    status_code=status.HTTP_201_CREATED,
)
def create_student(
    body: StudentCreate,
    admin: AdminDep,
    session: SessionDep,
    state: StateDep,
    request: Request,
    response: Response,
) -> StudentOut:
    """Answers 201 with the new student; a taken email or student number is a 409."""
    student_id = students.create_student(session, admin.actor, body, state.settings)
    set_location(request, response, "get_student", student_id=student_id)
    return _written_body(session, admin, student_id, state.settings)


@router.get(
    "/{student_id}",
    operation_id="getStudent",
    summary="Read one student.",
    response_model=StudentOut,
)
def get_student(
    admin: AdminDep,
    student: StudentOfSchool,
    session: SessionDep,
    state: StateDep,
    response: Response,
) -> StudentOut:
    """The student, with the codes of the courses they are actively enrolled in."""
    body = student_body(session, student, state.settings)
    response.headers["ETag"] = strong_etag(body)  # for If-Match on PATCH
    return body


@router.patch(
    "/{student_id}",
    operation_id="updateStudent",
    summary="Change a student's fields.",
    response_model=StudentOut,
)
def update_student(
    body: StudentUpdate,
    admin: AdminDep,
    student: StudentOfSchool,
    session: SessionDep,
    state: StateDep,
    response: Response,
    if_match: Annotated[
        str | None, Header(description="The ETag last read; another one answers 412.")
    ] = None,
) -> StudentOut:
    """Only the fields sent change; a taken email or student number is a 409."""
    if if_match is not None:
        # Locked first, so no other change slips in between this comparison and the write.
        lock_students(session, [student.id])
        current = _written_body(session, admin, student.id, state.settings)
        require_match(if_match, strong_etag(current))
    students.update_student(session, admin.actor, student, body, state.settings)
    written = _written_body(session, admin, student.id, state.settings)
    response.headers["ETag"] = strong_etag(written)
    return written


@router.post(
    "/{student_id}/archive",
    operation_id="archiveStudent",
    summary="Archive a student.",
    response_model=StudentOut,
)
def archive_student(
    admin: AdminDep, student: StudentOfSchool, session: SessionDep, state: StateDep
) -> StudentOut:
    """An archived student can no longer sign in; enrollments and history are kept."""
    students.set_archived(session, admin.actor, student, True)
    return _written_body(session, admin, student.id, state.settings)


@router.post(
    "/{student_id}/unarchive",
    operation_id="unarchiveStudent",
    summary="Bring an archived student back.",
    response_model=StudentOut,
)
def unarchive_student(
    admin: AdminDep, student: StudentOfSchool, session: SessionDep, state: StateDep
) -> StudentOut:
    """Undoes an archive: the student can sign in again."""
    students.set_archived(session, admin.actor, student, False)
    return _written_body(session, admin, student.id, state.settings)
