"""A student of the demo school (Dutch) signs in and reads their grade in Chromium: exactly the
grade the results service computed for them, written the Dutch way (4,5), and nothing of a
teammate's, whose grade differs (the student has an override, the teammates do not)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.access.principal import Principal
from teameval.assessments.students import service as students
from teameval.demo import DEMO_PASSWORDS
from teameval.kit.pagination import PageRequest
from teameval.models import AssessmentResult, Role, School, User
from teameval.web.i18n import grade_text
from tests.browser.conftest import LiveServer
from tests.browser.helpers import assert_accessible, sign_in, snap, visit
from tests.browser.world import BrowserWorld


@dataclass(frozen=True)
class Student:
    email: str
    password: str
    name: str
    assessment_id: int
    grade: str  # as the results service answers it: "4.5"
    teammates: dict[str, Decimal]  # name → stored grade


def _overridden_student(live_server: LiveServer, school_slug: str) -> Student:
    """A demo student whose grade has an override of theirs, so it differs from the team's."""
    with Session(live_server.engine) as session:
        school_id = session.scalars(select(School.id).where(School.slug == school_slug)).one()
        rows = session.execute(
            select(AssessmentResult, User)
            .join(User, User.id == AssessmentResult.student_id)
            .where(AssessmentResult.school_id == school_id)
            .order_by(AssessmentResult.team_number, User.id)
        ).all()
        result, user = next(
            (result, user)
            for result, user in rows
            if any(step.get("source") == "override" for step in result.scores)
        )
        principal = Principal(
            user_id=user.id,
            school_id=school_id,
            role=Role.STUDENT,
            email=user.email,
            name=user.name,
        )
        mine = students.my_assessments(session, principal, PageRequest(page=1, page_size=50))
        assert mine.total == 1
        teammates = {
            other.name: other_result.grade
            for other_result, other in rows
            if other_result.project_team_id == result.project_team_id and other.id != user.id
        }
        return Student(
            user.email,
            DEMO_PASSWORDS["student"],
            user.name,
            result.assessment_id,
            mine.items[0].grade,
            teammates,
        )


def test_a_student_sees_exactly_their_own_grade_in_dutch(
    page: Page, world: BrowserWorld, live_server: LiveServer
) -> None:
    student = _overridden_student(live_server, world.demo_school)
    expected = grade_text(Decimal(student.grade), "nl")
    assert "," in expected  # "4,5": the Dutch decimal sign
    assert student.teammates
    # The teammates' grades differ from theirs, or the test could not tell them apart.
    assert Decimal(student.grade) not in set(student.teammates.values())

    sign_in(page, world.demo_school, student)
    expect(page.locator("html")).to_have_attribute("lang", "nl")  # the demo school speaks Dutch
    visit(page, "/my/assessments", "my-assessments")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn beoordelingen")
    grades = page.locator("td.grade")
    expect(grades).to_have_count(1)
    expect(grades).to_have_text(expected)
    main = page.get_by_role("main")
    for name in student.teammates:
        expect(main.get_by_text(name)).to_have_count(0)
    snap(page, "my-assessments", docs=True)

    main.locator(f'a[href="/my/assessments/{student.assessment_id}"]').click()
    expect(page).to_have_url(re.compile(rf"/my/assessments/{student.assessment_id}$"))
    expect(page.locator("#grade")).to_have_text(expected)
    for name in student.teammates:
        expect(page.get_by_role("main").get_by_text(name)).to_have_count(0)
    assert_accessible(page, "my-assessment")
    snap(page, "my-assessment", docs=True)
