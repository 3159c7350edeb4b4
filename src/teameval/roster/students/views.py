"""Reading students: the admin list (search, filters, sorting) and the student body.

Bodies for any number of students are built with two queries (courses, teams), never one per
student.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from teameval.config import Settings
from teameval.errors import InvalidInput
from teameval.kit.normalise import match_course_code
from teameval.models import Course, CourseEnrollment, Role, User
from teameval.roster.courses.schemas import CourseRef
from teameval.roster.legacy import adapter as legacy
from teameval.roster.students.schemas import StudentOut, StudentStatus, TeamOut

SORTABLE = {
    "name": User.name,
    "email": User.email,
    "class_name": User.class_name,
    "student_number": User.student_number,
    "created_at": User.created_at,
}


def students_of_school(school_id: int) -> Select[User]:
    return select(User).where(User.school_id == school_id, User.role == Role.STUDENT.value)


def course_id_for_code(session: Session, school_id: int, code: str) -> int | None:
    """The course with this code: exact, else case-insensitive if that is unambiguous (the same
    rule as the student sync, so a filter finds what an import would enroll in)."""
    code = code.strip()
    matches = session.execute(
        select(Course.id, Course.code).where(
            Course.school_id == school_id, func.lower(Course.code) == code.lower()
        )
    ).all()
    return match_course_code(code, {stored: course_id for course_id, stored in matches})


def student_list_query(
    session: Session,
    school_id: int,
    *,
    search: str | None = None,
    course_code: str | None = None,
    status: StudentStatus | None = None,
    sort: str = "name",
) -> Select[User]:
    query = students_of_school(school_id)
    if search and search.strip():
        needle = search.strip().lower()
        query = query.where(
            or_(
                *(
                    func.lower(column).contains(needle, autoescape=True)
                    for column in (User.name, User.email, User.class_name, User.student_number)
                )
            )
        )
    if course_code is not None:
        course_id = course_id_for_code(session, school_id, course_code)
        if course_id is None:
            raise InvalidInput(
                f"Unknown course code {course_code!r}.",
                errors=[{"field": "course", "message": f"unknown course code {course_code!r}"}],
            )
        query = query.where(
            User.id.in_(
                select(CourseEnrollment.student_id).where(
                    CourseEnrollment.course_id == course_id, CourseEnrollment.active.is_(True)
                )
            )
        )
    if status is not None:
        query = query.where(User.archived.is_(status == "archived"))
    descending = sort.startswith("-")
    column = SORTABLE.get(sort.removeprefix("-"))
    if column is None:
        allowed = ", ".join(SORTABLE)
        raise InvalidInput(
            f"Cannot sort by {sort!r}; use one of {allowed} (prefix - for descending).",
            errors=[{"field": "sort", "message": f"unknown sort key {sort!r}"}],
        )
    # The id tie-breaker keeps pages stable when many students share a class or name.
    if descending:
        return query.order_by(column.desc(), User.id.desc())
    return query.order_by(column.asc(), User.id.asc())


def active_courses_of(session: Session, student_ids: Sequence[int]) -> dict[int, list[CourseRef]]:
    found: dict[int, list[CourseRef]] = defaultdict(list)
    if not student_ids:
        return found
    rows = session.execute(
        select(CourseEnrollment.student_id, Course.id, Course.code, Course.name)
        .join(Course, Course.id == CourseEnrollment.course_id)
        .where(CourseEnrollment.student_id.in_(student_ids), CourseEnrollment.active.is_(True))
        .order_by(Course.code, Course.id)
    )
    for student_id, course_id, code, name in rows:
        found[student_id].append(CourseRef(id=course_id, code=code, name=name))
    return found


def active_teams_of(session: Session, student_ids: Sequence[int]) -> dict[int, list[TeamOut]]:
    """Each student's active legacy teams."""
    return {
        student_id: [
            TeamOut(course=t.course_code, team_number=t.team_number, group_id=t.group_id)
            for t in teams
        ]
        for student_id, teams in legacy.active_teams_of(session, student_ids).items()
    }


def student_bodies(
    session: Session, students: Sequence[User], settings: Settings
) -> list[StudentOut]:
    ids = [student.id for student in students]
    courses = active_courses_of(session, ids)
    # Legacy data is not shown while legacy teams are off (see the adapter's ``off``).
    teams = active_teams_of(session, ids) if legacy.is_on(settings) else {}
    return [
        StudentOut(
            **StudentOut.fields_of(student),
            courses=courses.get(student.id, []),
            teams=teams.get(student.id, []),
        )
        for student in students
    ]


def fresh_student(session: Session, school_id: int, student_id: int) -> User:
    """Re-read a student just written: the sync engine's bulk UPDATEs bypass loaded objects."""
    user = session.scalar(
        select(User)
        .where(User.id == student_id, User.school_id == school_id)
        .execution_options(populate_existing=True)
    )
    assert user is not None
    return user


def student_body(session: Session, student: User, settings: Settings) -> StudentOut:
    return student_bodies(session, [student], settings)[0]
