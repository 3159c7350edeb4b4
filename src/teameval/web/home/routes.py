"""``/``: what each role starts from. Admin: the school's figures; teacher: their courses;
student: their courses. A fixed number of statements whatever the school's size."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from teameval.access import visible_courses
from teameval.deps import SessionDep
from teameval.models import Course, Role, User
from teameval.web.pages import SignedInPage

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(page: SignedInPage, session: SessionDep) -> HTMLResponse:
    principal = page.principal
    courses = session.scalars(
        visible_courses(principal).where(Course.is_active).order_by(Course.code).limit(50)
    ).all()
    figures: dict[str, int] = {}
    if principal.role is Role.ADMIN:
        counts = session.execute(
            select(User.role, func.count())
            .where(User.school_id == principal.school_id, User.archived.is_(False))
            .group_by(User.role)
        ).all()
        figures = {str(role): int(count) for role, count in counts}
    return page.render(
        f"home/{principal.role.value}.html", {"courses": courses, "figures": figures}
    )
