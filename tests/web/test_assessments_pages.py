"""The staff's assessment pages: the list, creating one, its overview and status changes, all
through HTTP on both engines with the rows read back."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import AssessmentStatus, ProjectAssessment, ProjectAssessmentTeam, ProjectTeam
from tests.roster.conftest import RosterWorld
from tests.web.conftest import PageClient
from tests.web.test_assessments_scene import add_teams, build_teams, make_assessment

Factory = sessionmaker[Session]


def _assessment(factory: Factory, assessment_id: int) -> ProjectAssessment:
    with factory() as session:
        return session.get_one(ProjectAssessment, assessment_id)


def _count(factory: Factory) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(ProjectAssessment)) or 0)


def test_the_list_shows_what_the_caller_may_see_with_a_status_badge(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_teams(session_factory, worlds)
    opened = make_assessment(session_factory, worlds, scene, "Tussentijds open")
    teacher = pages_for("teacher").get("/assessments")
    assert teacher.status_code == 200
    assert "Tussentijds open" in teacher.text
    assert worlds.north_assessment.title in teacher.text
    row = re.search(rf'href="/assessments/{opened}">.*?</tr>', teacher.text, re.S)
    assert row is not None
    assert 'class="badge badge-warn">Open for scoring<' in row.group(0)
    # the other teacher teaches another course; south's assessment is never listed
    other = pages_for("other_teacher").get("/assessments").text
    assert "Tussentijds open" not in other
    assert "No assessments yet." in other
    filtered = pages_for("admin").get(f"/assessments?project_id={worlds.south_project.id}")
    assert "Tussentijds open" not in filtered.text
    assert pages_for("student").get("/assessments").status_code == 403


def test_creating_an_assessment_links_the_project_s_teams_and_redirects_to_it(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    teacher = pages_for("teacher")
    form = teacher.get(f"/assessments/new?project_id={worlds.north_project.id}")
    assert form.status_code == 200
    assert re.search(rf'<option value="{worlds.north_project.id}" selected>', form.text)
    assert worlds.north_rubric.title in form.text
    response = teacher.post(
        "/assessments",
        {
            "project_id": worlds.north_project.id,
            "rubric_id": worlds.north_rubric.id,
            "title": "  Eindpresentatie  ",
            "kind": "interim",
        },
    )
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/assessments/(\d+)", response.headers["location"])
    assert found
    created = _assessment(session_factory, int(found.group(1)))
    assert (created.title, created.kind, created.status) == ("Eindpresentatie", "interim", "draft")
    assert created.project_id == worlds.north_project.id
    with session_factory() as session:
        linked = session.scalars(
            select(ProjectAssessmentTeam.project_team_id).where(
                ProjectAssessmentTeam.assessment_id == created.id
            )
        ).all()
    assert linked == [worlds.north_team.id]
    page = teacher.get(response.headers["location"])
    assert "The assessment is created as a draft." in page.text
    assert "Eindpresentatie" in page.text
    assert ">Draft<" in page.text


def test_an_invalid_form_keeps_the_input_and_names_each_field(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    before = _count(session_factory)
    teacher = pages_for("teacher")
    response = teacher.post(
        "/assessments",
        {"project_id": worlds.north_project.id, "rubric_id": "", "title": "", "kind": "final"},
    )
    assert response.status_code == 422
    assert "Choose a rubric." in response.text
    assert "Enter a title." in response.text
    assert 'aria-invalid="true"' in response.text
    # a rubric of another school is the service's 422, next to the rubric field
    foreign = teacher.post(
        "/assessments",
        {
            "project_id": worlds.north_project.id,
            "rubric_id": worlds.south_rubric.id,
            "title": "Bewaard",
            "kind": "final",
        },
    )
    assert foreign.status_code == 422
    assert "no such rubric" in foreign.text
    assert 'value="Bewaard"' in foreign.text
    # another school's project, or one the teacher does not teach, is not a choice
    for project_id in (worlds.south_project.id, "abc"):
        refused = teacher.post(
            "/assessments",
            {"project_id": project_id, "rubric_id": worlds.north_rubric.id, "title": "X"},
        )
        assert refused.status_code == 422
        assert "Choose a project." in refused.text
    other = pages_for("other_teacher").post(
        "/assessments",
        {"project_id": worlds.north_project.id, "rubric_id": worlds.north_rubric.id, "title": "X"},
    )
    assert other.status_code == 422
    assert pages_for("student").post("/assessments", {"title": "X"}).status_code == 403
    assert _count(session_factory) == before


def test_open_close_and_reopen_through_the_overview(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    teacher = pages_for("teacher")
    path = f"/assessments/{worlds.north_assessment.id}"
    page = teacher.get(path)
    assert "Open for scoring</button>" in page.text
    assert "0 of 2 criteria scored" in page.text
    assert f'href="{path}/teams/{worlds.north_team.id}/score"' in page.text
    assert worlds.north.student.name in page.text

    opened = teacher.post(f"{path}/status", {"status": "open"})
    assert opened.status_code == 303
    assessment = _assessment(session_factory, worlds.north_assessment.id)
    assert assessment.status == AssessmentStatus.OPEN.value
    assert assessment.opened_at is not None
    with session_factory() as session:
        assert session.get_one(ProjectTeam, worlds.north_team.id).locked_at is not None
    page = teacher.get(path)
    assert "The assessment is open for scoring." in page.text
    assert "Close scoring</button>" in page.text

    assert teacher.post(f"{path}/status", {"status": "closed"}).status_code == 303
    assert _assessment(session_factory, worlds.north_assessment.id).status == "closed"
    assert "Reopen for corrections</button>" in teacher.get(path).text
    assert teacher.post(f"{path}/status", {"status": "open"}).status_code == 303
    assert _assessment(session_factory, worlds.north_assessment.id).status == "open"


def test_a_status_the_machine_refuses_or_a_role_without_the_right_changes_nothing(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    path = f"/assessments/{worlds.north_assessment.id}/status"
    teacher = pages_for("teacher")
    refused = teacher.post(path, {"status": "closed"})  # draft → closed is not a transition
    assert refused.status_code == 409
    assert "cannot go from draft to closed" in refused.text
    invalid = teacher.post(path, {"status": "published"})
    assert invalid.status_code == 422
    assert "Choose open or closed." in invalid.text
    assert pages_for("other_teacher").post(path, {"status": "open"}).status_code == 403
    assert pages_for("student").post(path, {"status": "open"}).status_code == 403
    foreign = f"/assessments/{worlds.south_assessment.id}/status"
    assert pages_for("admin").post(foreign, {"status": "open"}).status_code == 404
    assert _assessment(session_factory, worlds.north_assessment.id).status == "draft"
    assert _assessment(session_factory, worlds.south_assessment.id).status == "draft"


def test_the_overview_shows_each_team_s_progress(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_teams(session_factory, worlds, extra_teams=2)
    assessment_id = make_assessment(session_factory, worlds, scene, scores={1: (3, 4), 2: (5,)})
    page = pages_for("admin").get(f"/assessments/{assessment_id}").text
    rows = re.findall(r"<tr( class=\"incomplete\")?>\s*<td>(Team \d)</td>.*?</tr>", page, re.S)
    assert [(name, bool(mark)) for mark, name in rows] == [
        ("Team 1", False),
        ("Team 2", True),
        ("Team 3", True),
    ]
    assert "2 of 2 criteria scored" in page
    assert "1 of 2 criteria scored" in page
    assert "0 of 2 criteria scored" in page
    assert "1 of 3 teams completely scored." in page


def test_the_overview_sends_as_many_statements_for_12_teams_as_for_2(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_teams(session_factory, worlds, extra_teams=1)
    small = make_assessment(session_factory, worlds, scene, "Klein", scores={1: (3, 4)})
    add_teams(session_factory, worlds, scene, 10)
    large = make_assessment(session_factory, worlds, scene, "Groot", scores={1: (3, 4), 5: (2,)})
    teacher = pages_for("teacher")
    counts = []
    for assessment_id, teams in ((small, 2), (large, 12)):
        response, statements = teacher.statements(f"/assessments/{assessment_id}")
        assert response.status_code == 200
        assert response.text.count("criteria scored") == teams
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
