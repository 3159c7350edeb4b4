"""The results page: the grades the results service computes, incomplete teams marked with a
word, publishing (rows read back) and its refusal, withdrawing, the grades CSV, statements."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import AssessmentPublication, AssessmentResult, ProjectAssessment
from teameval.web.i18n import NO_VALUE
from tests.roster.conftest import API, RosterWorld, bearer
from tests.web.conftest import PageClient
from tests.web.html_checks import page_problems
from tests.web.test_assessments_scene import add_teams, build_teams, make_assessment

Factory = sessionmaker[Session]
ROW = re.compile(
    r'<tr data-team="(\d+)"( class="incomplete")?>.*?<td class="student">([^<]+)</td>'
    r'.*?<td class="number grade">([^<]*)</td>(.*?)</tr>',
    re.S,
)


def shown_rows(html: str) -> list[tuple[int, bool, str, str, str]]:
    """(team, incomplete, student, grade, rest of the row) of each student row."""
    return [
        (int(team), bool(mark), name, grade, rest)
        for team, mark, name, grade, rest in ROW.findall(html)
    ]


def api_grades(client: TestClient, worlds: RosterWorld, assessment_id: int) -> dict[str, str]:
    body = client.get(
        f"{API}/assessments/{assessment_id}/results", headers=bearer(worlds.north, "teacher")
    ).json()
    return {item["name"]: item["grade"] or NO_VALUE for item in body["items"]}


def publications(factory: Factory, assessment_id: int) -> list[tuple[int, bool]]:
    with factory() as session:
        rows = session.execute(
            select(AssessmentPublication.revision, AssessmentPublication.withdrawn_at.is_not(None))
            .where(AssessmentPublication.assessment_id == assessment_id)
            .order_by(AssessmentPublication.revision)
        ).all()
    return [(revision, bool(withdrawn)) for revision, withdrawn in rows]


def result_grades(factory: Factory, assessment_id: int) -> dict[int, Decimal]:
    with factory() as session:
        rows = session.execute(
            select(AssessmentResult.student_id, AssessmentResult.grade).where(
                AssessmentResult.assessment_id == assessment_id
            )
        ).all()
    return {int(student_id): grade for student_id, grade in rows}


def test_the_preview_shows_exactly_the_service_s_grades_and_marks_incomplete_teams(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: Factory,
    client: TestClient,
) -> None:
    scene = build_teams(session_factory, worlds, extra_teams=2)
    student = worlds.north.student
    assessment_id = make_assessment(
        session_factory,
        worlds,
        scene,
        scores={1: (3, 4), 2: (2, 2), 3: (5,)},
        overrides=[(1, student.id, 0, 5, "Trok de planning")],
    )
    page = pages_for("teacher").get(f"/assessments/{assessment_id}/results")
    assert page.status_code == 200
    assert page_problems(page.text) == []
    rows = shown_rows(page.text)
    shown = {name: grade for _, _, name, grade, _ in rows}
    assert shown == api_grades(client, worlds, assessment_id)
    # the override (5 instead of 3 on the weight-1 criterion): 33/8 → 8.03125 → 8.0
    assert shown[student.name] == "8.0"
    assert shown[worlds.north.other_student.name] == "3.3"  # 3.25 rounded half up
    by_name = {name: (team, incomplete, rest) for team, incomplete, name, _, rest in rows}
    assert (
        "Criterion 1: 5 instead of the team score, because: Trok de planning"
        in (by_name[student.name][2])
    )
    team3 = [rest for team, incomplete, _, _, rest in rows if team == 3]
    assert len(team3) == 2
    assert all(">incomplete<" in rest and "Missing: Criterion 2" in rest for rest in team3)
    assert [incomplete for team, incomplete, *_ in rows] == [False, False, True, True]
    assert "Publish the grades" in page.text
    assert re.search(r"<strong>4</strong> students", page.text)
    assert re.search(r"<strong>2</strong> with a grade", page.text)
    assert re.search(r"<strong>1</strong> incomplete teams", page.text)


def test_publishing_refuses_incomplete_teams_and_writes_nothing(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_teams(session_factory, worlds, extra_teams=1)
    assessment_id = make_assessment(session_factory, worlds, scene, scores={1: (3, 4), 2: (2,)})
    teacher = pages_for("teacher")
    refused = teacher.post(f"/assessments/{assessment_id}/publish")
    assert refused.status_code == 409
    assert "1 incomplete team(s)" in refused.text
    assert publications(session_factory, assessment_id) == []
    assert result_grades(session_factory, assessment_id) == {}
    with session_factory() as session:
        assert session.get_one(ProjectAssessment, assessment_id).status == "open"
    others = pages_for("other_teacher").post(f"/assessments/{assessment_id}/publish")
    assert others.status_code == 403
    assert pages_for("student").post(f"/assessments/{assessment_id}/publish").status_code == 403
    # only the complete students, when asked
    partial = teacher.post(f"/assessments/{assessment_id}/publish", {"complete_only": "1"})
    assert partial.status_code == 303
    assert result_grades(session_factory, assessment_id) == {
        worlds.north.student.id: Decimal("7.50")
    }


def test_publish_freezes_the_grades_and_withdraw_takes_them_back(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: Factory,
    client: TestClient,
) -> None:
    scene = build_teams(session_factory, worlds, extra_teams=1)
    assessment_id = make_assessment(session_factory, worlds, scene, scores={1: (3, 4), 2: (2, 2)})
    path = f"/assessments/{assessment_id}"
    teacher = pages_for("teacher")
    preview = {
        name: grade for *_, name, grade, _ in shown_rows(teacher.get(f"{path}/results").text)
    }
    published = teacher.post(f"{path}/publish")
    assert published.status_code == 303
    assert published.headers["location"] == f"{path}/results"
    assert publications(session_factory, assessment_id) == [(1, False)]
    assert result_grades(session_factory, assessment_id) == {
        worlds.north.student.id: Decimal("7.50"),
        worlds.north.other_student.id: Decimal("3.30"),
    }
    page = teacher.get(f"{path}/results").text
    assert "The grades are published (revision 1)." in page
    assert "Published grades are frozen." in page
    assert f"by {worlds.north.teacher.name}" in page
    frozen = {name: grade for *_, name, grade, _ in shown_rows(page)}
    assert frozen == preview == api_grades(client, worlds, assessment_id)
    assert "Withdraw the grades" in page
    assert "Publish the grades" not in page
    again = teacher.post(f"{path}/publish")
    assert again.status_code == 409
    assert publications(session_factory, assessment_id) == [(1, False)]

    too_long = teacher.post(f"{path}/withdraw", {"reason": "x" * 2001})
    assert too_long.status_code == 422
    assert "at most 2000 characters" in too_long.text
    assert publications(session_factory, assessment_id) == [(1, False)]
    assert pages_for("other_teacher").post(f"{path}/withdraw").status_code == 403
    withdrawn = teacher.post(f"{path}/withdraw", {"reason": "Verkeerde rubric"})
    assert withdrawn.status_code == 303
    assert publications(session_factory, assessment_id) == [(1, True)]
    with session_factory() as session:
        assessment = session.get_one(ProjectAssessment, assessment_id)
        assert assessment.status == "closed"
        reason = session.scalar(
            select(AssessmentPublication.withdraw_reason).where(
                AssessmentPublication.assessment_id == assessment_id
            )
        )
    assert reason == "Verkeerde rubric"
    page = teacher.get(f"{path}/results").text
    assert "The grades are withdrawn; students no longer see them." in page
    assert "Revision 1 was withdrawn" in page
    assert "Verkeerde rubric" in page
    assert teacher.post(f"{path}/withdraw").status_code == 409


def test_the_grades_csv_is_the_api_s_file(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: Factory,
    client: TestClient,
) -> None:
    scene = build_teams(session_factory, worlds, extra_teams=2)
    assessment_id = make_assessment(
        session_factory, worlds, scene, scores={1: (3, 4), 2: (2, 2), 3: (1,)}
    )
    path = f"/assessments/{assessment_id}/grades.csv"
    api = client.get(f"{API}{path}", headers=bearer(worlds.north, "teacher"))
    page = pages_for("teacher").get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/csv")
    assert page.content == api.content
    assert page.headers["content-disposition"] == api.headers["content-disposition"]
    assert "7.5" in page.text
    assert "3.3" in page.text
    assert pages_for("admin").get(path).content == api.content
    assert pages_for("other_teacher").get(path).status_code == 403
    assert pages_for("student").get(path).status_code == 403
    foreign = pages_for("admin").get(f"/assessments/{worlds.south_assessment.id}/grades.csv")
    assert foreign.status_code == 404
    anonymous = TestClient(client.app).get(path, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/sign-in?next=")


def test_the_results_page_sends_as_many_statements_for_12_teams_as_for_2(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_teams(session_factory, worlds, extra_teams=1)
    small = make_assessment(session_factory, worlds, scene, "Klein", scores={1: (3, 4)})
    add_teams(session_factory, worlds, scene, 10)
    everyone = dict.fromkeys(scene.teams, (3, 4))
    large = make_assessment(session_factory, worlds, scene, "Groot", scores={1: (3, 4), 7: (2,)})
    published_small = make_assessment(
        session_factory, worlds, scene, "Klein gepubliceerd", scores={1: (3, 4)}
    )
    published_large = make_assessment(
        session_factory, worlds, scene, "Groot gepubliceerd", scores=everyone, status="published"
    )
    teacher = pages_for("teacher")
    teacher.post(f"/assessments/{published_small}/publish", {"complete_only": "1"})

    def count(assessment_id: int, students: int) -> int:
        response, statements = teacher.statements(f"/assessments/{assessment_id}/results")
        assert response.status_code == 200
        assert len(shown_rows(response.text)) == students
        return len(statements)

    assert count(small, 2) == count(large, 22)
    assert count(published_small, 1) == count(published_large, 22)


def test_the_results_page_in_dutch(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_teams(session_factory, worlds, extra_teams=1)
    assessment_id = make_assessment(session_factory, worlds, scene, scores={1: (3, 4), 2: (2,)})
    page = pages_for("teacher", language="nl").get(f"/assessments/{assessment_id}/results").text
    assert 'lang="nl"' in page
    assert "Cijfers per leerling" in page
    assert "Grades per student" not in page
    grades = {name: grade for *_, name, grade, _ in shown_rows(page)}
    assert grades[worlds.north.student.name] == "7,5"
    assert grades[worlds.north.other_student.name] == NO_VALUE
    assert ">onvolledig<" in page
    assert "Het cijfer wordt half naar boven afgerond op 1 decimaal." in page
