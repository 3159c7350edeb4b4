"""A student's own pages through HTTP on both engines: courses with their team and teammates'
names, published grades (only their own, never another student's), one grade with how it was
computed, the self-assessment while open; 404 for anything not theirs, 403 for staff."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import ProjectTeamMember, Role, School, SelfAssessment
from tests.factories import enroll, make_user
from tests.roster.conftest import RosterWorld
from tests.web.conftest import PageClient
from tests.web.html_checks import page_problems
from tests.web.test_assessments_scene import DESCRIPTORS, build_teams, make_assessment

Factory = sessionmaker[Session]
GRADE = re.compile(r'<td class="number grade">([^<]+)</td>')


def main_of(html: str) -> str:
    """The page's own content (the header names the signed-in user)."""
    found = re.search(r"<main.*?</main>", html, re.S)
    assert found
    return found.group(0)


def self_rows(factory: Factory, assessment_id: int) -> list[tuple[int, int, int, str | None]]:
    with factory() as session:
        rows = session.execute(
            select(
                SelfAssessment.student_id,
                SelfAssessment.criterion_id,
                SelfAssessment.score,
                SelfAssessment.comment,
            ).where(SelfAssessment.assessment_id == assessment_id)
        ).all()
    return sorted((a, b, c, d) for a, b, c, d in rows)


def test_my_courses_show_my_team_and_teammates_names_only(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    build_teams(session_factory, worlds, extra_teams=2)  # team 2 and 3: other students
    with session_factory.begin() as session:
        school = session.get_one(School, worlds.north.school.id)
        mate = make_user(session, school, Role.STUDENT, "mate@north.example.org", "Mara Maat")
        enroll(session, worlds.north.course, mate)
        session.add(
            ProjectTeamMember(
                school_id=school.id,
                project_team_id=worlds.north_team.id,
                project_id=worlds.north_project.id,
                is_current=True,
                user_id=mate.id,
            )
        )
    page = pages_for("student").get("/my/courses")
    assert page.status_code == 200
    text = main_of(page.text)
    assert worlds.north.course.code in text
    assert worlds.north_project.title in text
    assert "Your team: Team 1" in text
    assert re.search(r'<ul class="teammates"><li>Mara Maat</li></ul>', text)
    assert "mate@north.example.org" not in text
    # students of the other teams are not named
    assert worlds.north.other_student.name not in text
    assert "Team3 Student1" not in text
    # the other course (not enrolled) is not listed
    assert worlds.north.other_course.code not in text
    for role in ("teacher", "admin", "other_teacher"):
        assert pages_for(role).get("/my/courses").status_code == 403


def test_each_student_sees_only_their_own_grade(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_teams(session_factory, worlds, extra_teams=1)
    north = worlds.north
    published = make_assessment(
        session_factory,
        worlds,
        scene,
        "Eindpresentatie",
        scores={1: (3, 4), 2: (2, 2)},
        overrides=[(2, north.other_student.id, 1, 3, "Geheime reden")],
        status="published",
        comment="Sterk eindproduct",
    )
    make_assessment(
        session_factory, worlds, scene, "Nog dicht", scores={1: (5, 5)}, status="closed"
    )
    mine = pages_for("student")
    listing = mine.get("/my/assessments").text
    assert GRADE.findall(listing) == ["7.5"]
    assert "Eindpresentatie" in listing
    assert "Nog dicht" not in listing
    theirs = pages_for("other_student")
    other_listing = theirs.get("/my/assessments").text
    # their override (3 on the weight-7 criterion): (2 + 21) / 8 = 23/8 → 1 + 4.5 * 0.9375 → 5.2
    assert GRADE.findall(other_listing) == ["5.2"]

    detail = mine.get(f"/my/assessments/{published}")
    assert detail.status_code == 200
    assert page_problems(detail.text) == []
    text = main_of(detail.text)
    assert '<strong id="grade">7.5</strong>' in text
    assert "Sterk eindproduct" in text
    assert "Criterion 1" in text
    assert "(the weighted mean of the levels): 3.875" in text  # (3 + 7 * 4) / 8, exact
    assert "= 7.46875" in text  # the exact grade before rounding
    assert "rounded half up" in text.lower()
    assert "Geheime reden" not in text
    assert north.other_student.name not in text
    assert "5.2" not in text
    other_detail = main_of(theirs.get(f"/my/assessments/{published}").text)
    assert '<strong id="grade">5.2</strong>' in other_detail
    assert "Geheime reden" in other_detail
    assert north.student.name not in other_detail
    assert "7.5" not in other_detail


def test_what_is_not_a_student_s_own_is_404_and_staff_get_403(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: Factory,
    client: TestClient,
) -> None:
    scene = build_teams(session_factory, worlds, extra_teams=1)
    closed = make_assessment(session_factory, worlds, scene, "Dicht", scores={1: (3, 4)})
    student = pages_for("student")
    for assessment_id in (
        worlds.north_assessment.id,  # a draft
        worlds.south_assessment.id,  # another school's
        2**31 - 1,
    ):
        response = student.get(f"/my/assessments/{assessment_id}")
        assert response.status_code == 404, assessment_id
        assert "This page does not exist" in response.text
    pages_for("teacher").post(f"/assessments/{closed}/status", {"status": "closed"})
    assert student.get(f"/my/assessments/{closed}").status_code == 404
    # published for team 1 only (team 2 incomplete): the student of team 2 has no result
    pages_for("teacher").post(f"/assessments/{closed}/publish", {"complete_only": "1"})
    assert student.get(f"/my/assessments/{closed}").status_code == 200
    assert pages_for("other_student").get(f"/my/assessments/{closed}").status_code == 404
    for role in ("teacher", "admin", "other_teacher"):
        assert pages_for(role).get(f"/my/assessments/{closed}").status_code == 403
        assert pages_for(role).get("/my/assessments").status_code == 403
    anonymous = TestClient(client.app).get(f"/my/assessments/{closed}", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/sign-in?next=")


def test_the_self_assessment_saves_while_open(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_teams(session_factory, worlds, extra_teams=1)
    assessment_id = make_assessment(session_factory, worlds, scene, "Zelf", scores={1: (3,)})
    student = pages_for("student")
    listing = student.get("/my/assessments").text
    assert f'href="/my/assessments/{assessment_id}"' in listing
    assert "not answered yet" in listing
    path = f"/my/assessments/{assessment_id}"
    page = student.get(path)
    assert page.status_code == 200
    assert page_problems(page.text) == []
    first, second = scene.criteria
    assert "<legend>Criterion 1</legend>" in page.text
    for level, descriptor in enumerate(DESCRIPTORS, start=1):
        assert f"<strong>{level}</strong>: {descriptor}" in page.text
    assert page.text.count(f'name="score-{second}"') == 5
    assert "Your grade" not in page.text  # nothing of the grade before it is published

    invalid = student.post(f"{path}/self", {f"score-{first}": "9", f"comment-{first}": "Top"})
    assert invalid.status_code == 422
    assert "Choose one of the levels." in invalid.text
    assert ">Top</textarea>" in invalid.text
    assert self_rows(session_factory, assessment_id) == []

    saved = student.post(
        f"{path}/self",
        {f"score-{first}": "4", f"comment-{first}": " Goed gepland ", f"score-{second}": "3"},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == path
    student_id = worlds.north.student.id
    assert self_rows(session_factory, assessment_id) == [
        (student_id, first, 4, "Goed gepland"),
        (student_id, second, 3, None),
    ]
    again = student.get(path).text
    assert "Your self-assessment is saved." in again
    assert f'id="score-{first}-4" name="score-{first}" value="4" checked' in again
    assert "answered" in student.get("/my/assessments").text
    # a teacher cannot post a student's self-assessment; another school's id is a 404
    assert pages_for("teacher").post(f"{path}/self", {f"score-{first}": "1"}).status_code == 403
    foreign = student.post(f"/my/assessments/{worlds.south_assessment.id}/self", {"x": "1"})
    assert foreign.status_code == 404
    # once closed, the page is gone for the student and nothing more is saved
    pages_for("teacher").post(f"/assessments/{assessment_id}/status", {"status": "closed"})
    late = student.post(f"{path}/self", {f"score-{first}": "1"})
    assert late.status_code == 404
    assert self_rows(session_factory, assessment_id)[0][2] == 4


def test_my_assessments_send_as_many_statements_for_5_published_as_for_1(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_teams(session_factory, worlds, extra_teams=1)
    scores = {1: (3, 4), 2: (2, 2)}
    make_assessment(session_factory, worlds, scene, "Een", scores=scores, status="published")
    make_assessment(session_factory, worlds, scene, "Open een", scores=scores)
    student, other = pages_for("student"), pages_for("other_student")
    counts = []
    response, statements = student.statements("/my/assessments")
    assert GRADE.findall(response.text) == ["7.5"]
    counts.append(len(statements))
    for index in range(4):
        title = f"Meer {index}"
        make_assessment(session_factory, worlds, scene, title, scores=scores, status="published")
    make_assessment(session_factory, worlds, scene, "Open twee", scores=scores)
    response, statements = student.statements("/my/assessments")
    assert GRADE.findall(response.text) == ["7.5"] * 5
    assert "Open twee" in response.text
    counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert GRADE.findall(other.get("/my/assessments").text) == ["3.3"] * 5
    first, more = (student.statements("/my/courses")[1] for _ in range(2))
    assert len(first) == len(more)


def test_a_dutch_student_reads_7_5_as_7_comma_5(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_teams(session_factory, worlds, extra_teams=1)
    published = make_assessment(
        session_factory, worlds, scene, scores={1: (3, 4), 2: (2, 2)}, status="published"
    )
    dutch = pages_for("student", language="nl")
    listing = dutch.get("/my/assessments").text
    assert 'lang="nl"' in listing
    assert "Mijn cijfers" in listing
    assert GRADE.findall(listing) == ["7,5"]
    detail = dutch.get(f"/my/assessments/{published}").text
    assert '<strong id="grade">7,5</strong>' in detail
    assert "Hoe je cijfer berekend is" in detail
    assert "How your grade was computed" not in detail
    assert "Half naar boven afgerond op 1 decimaal: 7,5" in detail
