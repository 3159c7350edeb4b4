"""``/``: what each role starts from. Admin: the school's figures; teacher: their courses,
active projects and assessments open for scoring; student: their courses. A fixed number of
statements whatever the school's size."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from teameval.access import (
    ASSESSMENT,
    PROJECT,
    AssessmentAction,
    ProjectAction,
    visible,
    visible_courses,
)
from teameval.deps import SessionDep
from teameval.models import Course, Project, ProjectAssessment, Role, User
from teameval.models.assessment import AssessmentStatus
from teameval.models.project import ProjectStatus
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
    projects: list[Project] = []
    to_score: list[ProjectAssessment] = []
    if principal.role is Role.TEACHER:
        # What a teacher works on now: active projects and assessments open for scoring.
        projects = list(
            session.scalars(
                visible(principal, PROJECT, ProjectAction.MANAGE)
                .where(Project.status == ProjectStatus.ACTIVE.value)
                .order_by(Project.title)
                .limit(20)
            )
        )
        to_score = list(
            session.scalars(
                visible(principal, ASSESSMENT, AssessmentAction.MANAGE)
                .where(ProjectAssessment.status == AssessmentStatus.OPEN.value)
                .order_by(ProjectAssessment.title)
                .limit(20)
            )
        )
    return page.render(
        f"home/{principal.role.value}.html",
        {"courses": courses, "figures": figures, "projects": projects, "to_score": to_score},
    )
