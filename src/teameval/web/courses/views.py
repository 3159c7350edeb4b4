"""What the course pages show, loaded in a constant number of statements whatever the number of
courses, students, teachers or projects (tests/web/test_courses_*.py count them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from teameval.config import Settings
from teameval.kit.pagination import PageRequest, fetch_page
from teameval.models import Course, ProjectTeam, Role, User
from teameval.projects.service import project_list_query
from teameval.projects.teams.course_teams import current_teams_of_students
from teameval.projects.teams.layout_checks import WRITABLE_STATUSES
from teameval.roster.courses import reads
from teameval.roster.courses.service import course_list_query
from teameval.roster.legacy import adapter as legacy
from teameval.roster.teaching import service as teaching
from teameval.roster.teaching.schemas import RosterEntry
from teameval.web.courses.forms import CourseForm, FormErrors
from teameval.web.pages import Page

PAGE_SIZE = 50
CANDIDATES_SHOWN = 50
STATUSES = ("all", "active", "inactive")


@dataclass
class ListFilters:
    q: str = ""
    status: str = "all"
    page: int = 1

    @property
    def active(self) -> bool | None:
        return {"active": True, "inactive": False}.get(self.status)

    def query_string(self) -> str:
        """The filters as a query string prefix for the pager's links."""
        from urllib.parse import urlencode

        pairs = {"q": self.q, "status": self.status}
        kept = {key: value for key, value in pairs.items() if value and value != "all"}
        return urlencode(kept) + "&" if kept else ""


def list_context(
    page: Page,
    session: Session,
    filters: ListFilters,
    form: CourseForm | None = None,
    errors: FormErrors | None = None,
) -> dict[str, Any]:
    """``/courses``: the courses the caller may see (admin: the school's; teacher: theirs), a
    page at a time, each with its teachers and number of students."""
    principal = page.principal
    query = course_list_query(principal, active=filters.active, search=filters.q or None)
    courses, total = fetch_page(session, query, PageRequest(filters.page, PAGE_SIZE))
    ids = [course.id for course in courses]
    return {
        "courses": courses,
        "teachers": reads.teachers_by_course(session, ids),
        "counts": reads.enrolled_counts(session, ids),
        "filters": filters,
        "statuses": STATUSES,
        "paging": {
            "page": filters.page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "total": total,
        },
        "is_admin": principal.role is Role.ADMIN,
        "form": form or CourseForm(),
        "errors": errors or FormErrors({}),
    }


@dataclass
class RosterRow:
    entry: RosterEntry
    teams: dict[int, ProjectTeam]


@dataclass
class CoursePageState:
    """What a post re-renders the course page with: the admin's typing and the errors."""

    find: str = ""
    form: CourseForm | None = None
    form_errors: FormErrors = field(default_factory=lambda: FormErrors({}))
    teacher_error: str | None = None
    student_error: str | None = None

    def summary(self, page: Page) -> list[dict[str, str]]:
        found = self.form_errors.summary(page)
        found += [
            {"field": "", "message": m} for m in (self.teacher_error, self.student_error) if m
        ]
        return found


def _student_label(student: User) -> str:
    """How a student is told apart in the select: name, student number, class."""
    label = student.name
    if student.student_number:
        label += f" ({student.student_number})"
    if student.class_name:
        label += f" · {student.class_name}"
    return label


def course_context(
    page: Page,
    session: Session,
    settings: Settings,
    course: Course,
    state: CoursePageState | None = None,
) -> dict[str, Any]:
    """``/courses/{id}``: the roster with each student's team per open project (and legacy team
    while legacy teams are on), who can still be enrolled, and for admins the course's settings
    and teachers."""
    state = state or CoursePageState()
    principal = page.principal
    is_admin = principal.role is Role.ADMIN
    students = session.scalars(teaching.roster_query(course)).all()
    entries = teaching.roster_entries(session, course, students, settings)
    projects = list(session.scalars(project_list_query(principal, course, None)))
    open_projects = [project for project in projects if project.status in WRITABLE_STATUSES]
    teams = current_teams_of_students(
        session, [project.id for project in open_projects], [entry.id for entry in entries]
    )
    context: dict[str, Any] = {
        "course": course,
        "rows": [RosterRow(entry, teams.get(entry.id, {})) for entry in entries],
        "projects": projects,
        "open_projects": open_projects,
        "legacy_on": legacy.is_on(settings),
        "candidate_options": [
            (student.id, _student_label(student))
            for student in reads.enrollment_candidates(
                session, course, state.find or None, CANDIDATES_SHOWN
            )
        ],
        "candidates_shown": CANDIDATES_SHOWN,
        "state": state,
        "errors": state.summary(page),
        "is_admin": is_admin,
        "form": state.form or CourseForm.of(course),
        "teachers": [],
        "teacher_options": [],
    }
    if is_admin:
        teachers = reads.teachers_by_course(session, [course.id])[course.id]
        assigned = {teacher.id for teacher in teachers}
        context["teachers"] = teachers
        context["teacher_options"] = [
            (teacher.id, f"{teacher.name} ({teacher.email})")
            for teacher in reads.school_teachers(session, course.school_id)
            if teacher.id not in assigned
        ]
    return context
