"""``/my/courses``: the student's courses and, per course, their projects with their current team
and teammates' names: the data of ``GET /api/v1/me/projects`` (``projects.me``), nothing else of
other students."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from teameval.access import visible_courses
from teameval.deps import SessionDep
from teameval.kit.pagination import MAX_PAGE_SIZE, PageRequest
from teameval.models import Course
from teameval.projects.me import my_projects
from teameval.projects.schemas import MyProjectOut
from teameval.web.pages import StudentPage

router = APIRouter(include_in_schema=False)


@router.get("/my/courses")
def my_courses(page: StudentPage, session: SessionDep) -> HTMLResponse:
    principal = page.principal
    courses = session.scalars(visible_courses(principal).order_by(Course.code, Course.id)).all()
    projects = my_projects(session, principal, PageRequest(page=1, page_size=MAX_PAGE_SIZE))
    by_course: dict[int, list[MyProjectOut]] = {}
    for project in projects.items:
        by_course.setdefault(project.course.id, []).append(project)
    return page.render(
        "my/courses.html",
        {"courses": courses, "projects_of": by_course, "me": principal.user_id},
    )
