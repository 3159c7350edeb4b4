"""``GET /students``: the school's students, searched, filtered, sorted and paged with the
API's own query (``student_list_query``), and ``GET /students/export``: the same filters as the
API's CSV export.

The filters are a plain GET form; HTMX only swaps the results while typing. A fixed number of
statements whatever the number of students: the page, the count, and the page's courses in one
IN list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import select

from teameval.deps import SessionDep, StateDep
from teameval.errors import InvalidInput
from teameval.kit.pagination import MAX_PAGE, PageRequest, fetch_page
from teameval.models import Course, User
from teameval.roster.courses.schemas import CourseRef
from teameval.roster.csv.exporter import export_students
from teameval.roster.legacy import adapter as legacy
from teameval.roster.students.views import active_courses_of, student_list_query
from teameval.web.pages import AdminPage

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
SORT_KEYS = ("name", "email", "student_number", "class_name")
STATUSES = ("active", "archived", "all")
DEFAULT_STATUS = "active"


def N_(message: str) -> str:
    return message


SORT_LABELS = {
    "name": N_("Name"),
    "email": N_("Email address"),
    "student_number": N_("Student number"),
    "class_name": N_("Class"),
}
STATUS_LABELS = {"active": N_("Active"), "archived": N_("Archived"), "all": N_("All")}


def _plain(text: str) -> str:
    """Printable characters only: a NUL in a search is refused by PostgreSQL, not a search."""
    return "".join(char for char in text if char.isprintable()).strip()


@dataclass(frozen=True)
class Filters:
    """What the list shows; anything not understood falls back to the default."""

    q: str = ""
    course: str = ""
    status: str = DEFAULT_STATUS
    sort: str = "name"
    page: int = 1

    @classmethod
    def read(cls, q: str, course: str, status: str, sort: str, page: str) -> Filters:
        # ASCII digits only: "²".isdigit() is true, but int() refuses it.
        number = int(page) if re.fullmatch("[0-9]{1,7}", page) and 1 <= int(page) <= MAX_PAGE else 1
        return cls(
            q=_plain(q),
            course=_plain(course),
            status=status if status in STATUSES else DEFAULT_STATUS,
            sort=sort if sort.removeprefix("-") in SORT_KEYS else "name",
            page=number,
        )

    @property
    def status_filter(self) -> Literal["active", "archived"] | None:
        return (
            None if self.status == "all" else "archived" if self.status == "archived" else "active"
        )

    def query(self, **changes: str | int) -> str:
        """The query string of these filters with ``changes``; defaults left out."""
        chosen = replace(self, **changes)  # type: ignore[arg-type]
        pairs = [
            ("q", chosen.q),
            ("course", chosen.course),
            ("status", chosen.status if chosen.status != DEFAULT_STATUS else ""),
            ("sort", chosen.sort if chosen.sort != "name" else ""),
            ("page", str(chosen.page) if chosen.page != 1 else ""),
        ]
        return urlencode([(name, value) for name, value in pairs if value])

    def sort_link(self, key: str) -> str:
        """The header link of ``key``: ascending first, then toggling."""
        target = "-" + key if self.sort == key else key
        return "?" + self.query(sort=target, page=1)

    def aria_sort(self, key: str) -> str | None:
        if self.sort == key:
            return "ascending"
        if self.sort == "-" + key:
            return "descending"
        return None


@router.get("/students")
def students_page(
    page: AdminPage,
    session: SessionDep,
    q: Annotated[str, Query(max_length=200)] = "",
    course: Annotated[str, Query(max_length=100)] = "",
    status: Annotated[str, Query(max_length=20)] = DEFAULT_STATUS,
    sort: Annotated[str, Query(max_length=40)] = "name",
    page_number: Annotated[str, Query(alias="page", max_length=20)] = "1",
) -> Response:
    filters = Filters.read(q, course, status, sort, page_number)
    school_id = page.principal.school_id
    courses = session.execute(
        select(Course.code, Course.name, Course.is_active)
        .where(Course.school_id == school_id)
        .order_by(Course.code)
    ).all()
    course_error = None
    students: list[User] = []
    total = 0
    courses_of: dict[int, list[CourseRef]] = {}
    try:
        query = student_list_query(
            session,
            school_id,
            search=filters.q or None,
            course_code=filters.course or None,
            status=filters.status_filter,
            sort=filters.sort,
        )
    except InvalidInput:
        course_error = page.gettext("There is no course with this code.")
    else:
        rows, total = fetch_page(session, query, PageRequest(filters.page, PAGE_SIZE))
        students = list(rows)
        courses_of = active_courses_of(session, [student.id for student in students])
    pages = max(1, -(-total // PAGE_SIZE))
    context = {
        "students": students,
        "courses_of": courses_of,
        "total": total,
        "paging": {"page": filters.page, "pages": pages, "total": total},
        "filters": filters,
        "base_query": (filters.query(page=1) + "&") if filters.query(page=1) else "",
        "course_options": [
            (
                code,
                f"{code}: {name}" if active else f"{code}: {name} ({page.gettext('inactive')})",
            )
            for code, name, active in courses
        ],
        "status_options": [(key, page.gettext(label)) for key, label in STATUS_LABELS.items()],
        "sort_keys": SORT_KEYS,
        "sort_labels": SORT_LABELS,
        "course_error": course_error,
        "export_query": filters.query(page=1, sort="name"),
    }
    status_code = 422 if course_error else 200
    history_restore = page.request.headers.get("HX-History-Restore-Request") == "true"
    if page.is_htmx and not history_restore:
        return page.render("students/_results.html", context, status_code=200)
    return page.render("students/list.html", context, status_code=status_code)


@router.get("/students/export")
def export_page(
    page: AdminPage,
    session: SessionDep,
    state: StateDep,
    q: Annotated[str, Query(max_length=200)] = "",
    course: Annotated[str, Query(max_length=100)] = "",
    status: Annotated[str, Query(max_length=20)] = DEFAULT_STATUS,
) -> Response:
    """The CSV the API's export gives for the same filters (an unknown course: the error page)."""
    filters = Filters.read(q, course, status, "name", "1")
    export = export_students(
        session,
        page.principal.school_id,
        search=filters.q or None,
        course_code=filters.course or None,
        status=filters.status_filter,
        include_team=legacy.is_on(state.settings),
    )
    response = Response(
        content=export.content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )
    page.finish(response)
    return response
