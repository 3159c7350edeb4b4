"""A teacher's peer evaluation pages through HTTP on both engines: creating one from a project
(valid and invalid input, only peer rubrics and the project's assessments offered), opening,
progress per team, factors and flags, one team's ratings with hiding a comment, closing, the
fairness preview against the service's own numbers, the model choice, publishing; statement
counts that do not grow with the number of teams; Dutch."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from teameval.errors import Conflict
from teameval.models import (
    PeerEvaluation,
    PeerEvaluationTeam,
    PeerRating,
    PeerResult,
)
from teameval.peer import reports
from tests.roster.conftest import RosterWorld
from tests.web.conftest import PageClient
from tests.web.html_checks import page_problems
from tests.web.test_assessments_scene import Scene, add_teams
from tests.web.test_peer_scene import (
    PeerScene,
    build_peer_scene,
    make_evaluation,
    rate,
)

Factory = sessionmaker[Session]


def main_of(html: str) -> str:
    found = re.search(r"<main.*?</main>", html, re.S)
    assert found
    return found.group(0)


def evaluation_row(factory: Factory, evaluation_id: int) -> PeerEvaluation:
    with factory() as session:
        return session.get_one(PeerEvaluation, evaluation_id)


def form_values(scene: PeerScene, **changes: str) -> dict[str, str]:
    values = {
        "title": "Peer feedback eind",
        "rubric_id": str(scene.rubric_id),
        "include_self": "1",
        "opens_at": "",
        "closes_at": "2026-12-01T17:00",
        "model": "catme",
        "weighting": "0,3",
        "non_submitter": "cap",
        "penalty": "0.5",
        "assessment_id": str(scene.assessment_id),
    }
    values.update(changes)
    return values


def test_a_teacher_creates_a_peer_evaluation_from_the_project(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_peer_scene(session_factory, worlds)
    teacher = pages_for("teacher")
    listing = main_of(teacher.get("/peer-evaluations").text)
    assert f'href="/projects/{scene.project_id}/peer-evaluations/new"' in listing
    new = teacher.get(f"/projects/{scene.project_id}/peer-evaluations/new")
    assert new.status_code == 200
    assert page_problems(new.text) == []
    text = main_of(new.text)
    # only peer rubrics are offered; the project's assessments are
    assert f'<option value="{scene.rubric_id}">Samenwerking</option>' in text
    assert "Webrubric" not in text
    assert f'<option value="{scene.assessment_id}">Eindcijfer</option>' in text

    created = teacher.post(f"/projects/{scene.project_id}/peer-evaluations", form_values(scene))
    assert created.status_code == 303, created.text[-2000:]
    evaluation_id = int(created.headers["location"].rsplit("/", 1)[1])
    row = evaluation_row(session_factory, evaluation_id)
    assert row.title == "Peer feedback eind"
    assert row.status == "draft"
    assert row.include_self is True
    assert row.model == "catme"
    assert row.weighting == Decimal("0.3")
    assert row.penalty == Decimal("0.5")
    assert row.non_submitter == "cap"
    assert row.assessment_id == scene.assessment_id
    assert row.project_id == scene.project_id
    # 17:00 on the school's clock (Amsterdam, winter time) is 16:00 UTC
    closes = row.closes_at
    assert closes is not None
    assert closes.replace(tzinfo=closes.tzinfo or UTC) == datetime(2026, 12, 1, 16, tzinfo=UTC)
    page = teacher.get(created.headers["location"])
    assert "The peer evaluation is created as a draft." in page.text
    assert "CATME-style" in main_of(page.text)
    assert "Peer feedback eind" in main_of(teacher.get("/peer-evaluations").text)


def test_invalid_input_is_named_beside_each_field_and_nothing_is_created(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_peer_scene(session_factory, worlds)
    teacher = pages_for("teacher")
    path = f"/projects/{scene.project_id}/peer-evaluations"
    bad = teacher.post(
        path,
        form_values(
            scene,
            title=" ",
            weighting="2",
            model="magic",
            penalty="-1",
            closes_at="morgen",
            rubric_id="abc",
        ),
    )
    assert bad.status_code == 422
    assert page_problems(bad.text) == []
    text = main_of(bad.text)
    for field in ("title", "weighting", "model", "penalty", "closes_at", "rubric_id"):
        assert f'id="field-{field}-error"' in text, field
    assert 'value="morgen"' in text  # the input is kept
    # the service's checks: a project rubric is no peer rubric; the window must close after it opens
    project_rubric = teacher.post(path, form_values(scene, rubric_id=str(worlds.north_rubric.id)))
    assert project_rubric.status_code == 422
    assert 'id="field-rubric_id-error"' in project_rubric.text
    window = teacher.post(
        path, form_values(scene, opens_at="2026-12-02T09:00", closes_at="2026-12-01T09:00")
    )
    assert window.status_code == 422
    assert "must be after opens_at" in window.text
    foreign = teacher.post(path, form_values(scene, assessment_id=str(worlds.south_assessment.id)))
    assert foreign.status_code == 422
    assert 'id="field-assessment_id-error"' in foreign.text
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(PeerEvaluation)) == 0
    # who may: the course's teacher and admins; another teacher 403, another school 404
    assert pages_for("other_teacher").post(path, form_values(scene)).status_code == 403
    assert pages_for("student").post(path, form_values(scene)).status_code == 403
    south = pages_for("admin", school="south")
    assert south.post(path, form_values(scene)).status_code == 404
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(PeerEvaluation)) == 0


def _rate_the_scene(
    factory: Factory, worlds: RosterWorld, scene: PeerScene, evaluation: int
) -> None:
    """Team 1 complete; team 2: Kees a flat rater, the world's other student a draft, Lies
    nothing."""
    me = worlds.north.student
    one = {name: user_id for user_id, name in scene.members[1]}
    mara, pim = one["Mara Maat"], one["Pim Peer"]
    rate(factory, me, evaluation, {me.id: (4, 4), mara: (3, 3), pim: (2, 3)})
    rate(
        factory,
        scene.users["Mara Maat"],
        evaluation,
        {me.id: (4, 3), mara: (3, 3), pim: (2, 2)},
        comments={me.id: "Sterke planner", pim: "Kwam vaak te laat"},
    )
    rate(factory, scene.users["Pim Peer"], evaluation, {me.id: (4, 4), mara: (4, 3), pim: (3, 3)})
    two = {name: user_id for user_id, name in scene.members[2]}
    other = worlds.north.other_student
    kees, lies = two["Kees Klein"], two["Lies Lang"]
    rate(
        factory,
        scene.users["Kees Klein"],
        evaluation,
        {kees: (3, 3), lies: (3, 3), other.id: (3, 3)},
    )
    rate(factory, other, evaluation, {other.id: (4, 4)}, submit=False)


def test_open_progress_ratings_preview_and_publish(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_peer_scene(session_factory, worlds)
    evaluation = make_evaluation(session_factory, worlds, scene, status="draft")
    teacher = pages_for("teacher")
    draft = main_of(teacher.get(f"/peer-evaluations/{evaluation}").text)
    assert "No teams are linked yet" in draft
    assert "Open for rating</button>" in draft

    # the model choice while a draft
    choice = teacher.post(
        f"/peer-evaluations/{evaluation}/settings",
        {"model": "gcf", "weighting": "0.4", "non_submitter": "none", "penalty": "1"},
    )
    assert choice.status_code == 303
    row = evaluation_row(session_factory, evaluation)
    assert (row.model, row.weighting, row.non_submitter, row.penalty) == (
        "gcf",
        Decimal("0.4"),
        "none",
        Decimal("1"),
    )
    wrong = teacher.post(
        f"/peer-evaluations/{evaluation}/settings",
        {"model": "webpa", "weighting": "1.5", "non_submitter": "cap", "penalty": "0"},
    )
    assert wrong.status_code == 422
    assert 'id="field-weighting-error"' in wrong.text
    assert evaluation_row(session_factory, evaluation).model == "gcf"
    teacher.post(
        f"/peer-evaluations/{evaluation}/settings",
        {"model": "webpa", "weighting": "0.5", "non_submitter": "cap", "penalty": "0"},
    )

    opened = teacher.post(f"/peer-evaluations/{evaluation}/status", {"status": "open"})
    assert opened.status_code == 303
    assert evaluation_row(session_factory, evaluation).status == "open"
    with session_factory() as session:
        linked = set(
            session.scalars(
                select(PeerEvaluationTeam.project_team_id).where(
                    PeerEvaluationTeam.evaluation_id == evaluation
                )
            )
        )
    assert linked == set(scene.team_ids.values())
    _rate_the_scene(session_factory, worlds, scene, evaluation)

    page = teacher.get(f"/peer-evaluations/{evaluation}")
    assert page.status_code == 200
    assert page_problems(page.text) == []
    text = main_of(page.text)
    assert '<p id="progress-summary">4 of 6 students submitted.</p>' in text
    assert re.search(r"Lies Lang: <span class=\"badge badge-bad\">! Not started</span>", text)
    assert re.search(
        rf"{worlds.north.other_student.name}: <span class=\"badge badge-warn\">Draft saved</span>",
        text,
    )
    assert re.search(r"Kees Klein: <span class=\"badge badge-ok\">✓ Submitted</span>", text)
    assert "Flat rater: gave everyone the same scores" in text
    assert "Did not submit" in text
    assert "<dt>Weighting w</dt><dd>0.5</dd>" in text
    assert "<dt>Penalty for not submitting</dt><dd>0</dd>" in text
    # the factors shown are the service's
    with session_factory() as session:
        factors = reports.factors(session, session.get_one(PeerEvaluation, evaluation))
    for student in factors.students:
        row_html = re.search(rf"<th scope=\"row\">{student.name}</th>(.*?)</tr>", text, re.S)
        assert row_html, student.name
        numbers = re.findall(r'<td class="number">([^<]+)</td>', row_html.group(1))
        assert numbers == [str(Decimal(getattr(student, m))) for m in ("webpa", "catme", "gcf")]

    # one team's ratings, rater by ratee, and hiding a comment
    team_one = scene.team_ids[1]
    matrix = teacher.get(f"/peer-evaluations/{evaluation}/teams/{team_one}")
    assert matrix.status_code == 200
    assert page_problems(matrix.text) == []
    text = main_of(matrix.text)
    assert '<h2 id="criterion-' in text
    assert "Kwam vaak te laat" in text
    assert "Kees Klein" not in text  # another team
    with session_factory() as session:
        late = session.execute(
            select(PeerRating.id).where(
                PeerRating.evaluation_id == evaluation, PeerRating.comment == "Kwam vaak te laat"
            )
        ).scalar_one()
    hidden = teacher.post(
        f"/peer-evaluations/{evaluation}/ratings/{late}/comment",
        {"hidden": "1", "team_id": str(team_one)},
    )
    assert hidden.status_code == 303
    assert hidden.headers["location"] == f"/peer-evaluations/{evaluation}/teams/{team_one}"
    with session_factory() as session:
        assert session.get_one(PeerRating, late).comment_hidden is True
    assert "no, hidden" in main_of(teacher.get(hidden.headers["location"]).text)
    assert (
        teacher.get(f"/peer-evaluations/{evaluation}/teams/{scene.team_ids[1] + 1000}").status_code
        == 404
    )

    # publishing straight from open is not a transition: said on the page, nothing changes
    early = teacher.post(f"/peer-evaluations/{evaluation}/status", {"status": "published"})
    assert early.status_code == 409
    assert "cannot go from open to published" in early.text
    assert evaluation_row(session_factory, evaluation).status == "open"
    closed = teacher.post(f"/peer-evaluations/{evaluation}/status", {"status": "closed"})
    assert closed.status_code == 303

    preview = teacher.get(f"/peer-evaluations/{evaluation}/preview")
    assert preview.status_code == 200
    assert page_problems(preview.text) == []
    text = main_of(preview.text)
    assert "WebPA (chosen)" in text
    with session_factory() as session:
        expected = reports.preview(session, session.get_one(PeerEvaluation, evaluation))
    for student in expected.students:
        row_html = re.search(rf"<th scope=\"row\">{student.name}</th>(.*?)</tr>", text, re.S)
        assert row_html, student.name
        cells = re.findall(r'<td class="number">([0-9.]+)', row_html.group(1))
        assert cells == [
            str(Decimal(student.grades[model]))  # type: ignore[arg-type]
            for model in ("none", "webpa", "catme", "gcf")
        ], student.name
    assert "Publish to students</button>" in text
    # the correction setting is chosen here, with the preview in front of the teacher, until
    # publication: offered on a closed evaluation, and a post changes it
    assert "Save the correction setting" in text
    chosen = teacher.post(
        f"/peer-evaluations/{evaluation}/settings",
        {"model": "gcf", "weighting": "0.5", "non_submitter": "cap", "penalty": "0"},
    )
    assert chosen.status_code == 303, chosen.text
    assert evaluation_row(session_factory, evaluation).model == "gcf"

    published = teacher.post(
        f"/peer-evaluations/{evaluation}/status", {"status": "published", "back": "preview"}
    )
    assert published.status_code == 303
    assert evaluation_row(session_factory, evaluation).status == "published"
    with session_factory() as session:
        results = session.scalars(
            select(PeerResult).where(PeerResult.evaluation_id == evaluation)
        ).all()
    assert len(results) == 6
    after = main_of(teacher.get(f"/peer-evaluations/{evaluation}/preview").text)
    assert "Publish to students" not in after
    assert "Save the correction setting" not in after
    # a published comment no longer changes
    refused = teacher.post(
        f"/peer-evaluations/{evaluation}/ratings/{late}/comment",
        {"hidden": "0", "team_id": str(team_one)},
    )
    assert refused.status_code == 409
    with session_factory() as session:
        assert session.get_one(PeerRating, late).comment_hidden is True

    # in Dutch
    dutch = main_of(pages_for("teacher", language="nl").get(f"/peer-evaluations/{evaluation}").text)
    assert "Gepubliceerd" in dutch
    assert "Vlakke beoordelaar" in dutch


def test_the_staff_pages_send_as_many_statements_for_two_teams_as_for_five(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_peer_scene(session_factory, worlds)
    small = make_evaluation(session_factory, worlds, scene, "Klein")
    _rate_the_scene(session_factory, worlds, scene, small)
    teams = Scene(scene.project_id, scene.rubric_id, scene.criteria, dict(scene.team_ids))
    add_teams(session_factory, worlds, teams, 3)
    large = make_evaluation(session_factory, worlds, scene, "Groot")
    _rate_the_scene(session_factory, worlds, scene, large)
    teacher = pages_for("teacher")
    student = pages_for("student")
    for template, client in (
        ("/peer-evaluations/{id}", teacher),
        ("/peer-evaluations/{id}/preview", teacher),
        ("/peer-evaluations/{id}/teams/" + str(scene.team_ids[1]), teacher),
        ("/my/peer-evaluations/{id}", student),
        ("/my/peer-evaluations/{id}?step=4", student),
    ):
        few, few_statements = client.statements(template.format(id=small))
        many, many_statements = client.statements(template.format(id=large))
        assert few.status_code == many.status_code == 200, template
        assert len(few_statements) == len(many_statements), template
    assert main_of(teacher.get(f"/peer-evaluations/{large}").text).count("<tr>") > main_of(
        teacher.get(f"/peer-evaluations/{small}").text
    ).count("<tr>")


def test_grades_that_cannot_be_computed_are_said_on_the_pages_which_still_work(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scene = build_peer_scene(session_factory, worlds)
    evaluation = make_evaluation(session_factory, worlds, scene)

    def refuse(*_args: object) -> None:
        raise Conflict("The grade policy of assessment 1 no longer fits its rubric.")

    monkeypatch.setattr(reports, "factors", refuse)
    monkeypatch.setattr(reports, "preview", refuse)
    teacher = pages_for("teacher")
    page = teacher.get(f"/peer-evaluations/{evaluation}")
    assert page.status_code == 200
    assert page_problems(page.text) == []
    text = main_of(page.text)
    assert "The factors cannot be computed now: The grade policy" in text
    assert '<p id="progress-summary">0 of 6 students submitted.</p>' in text
    assert "Close rating</button>" in text
    preview = teacher.get(f"/peer-evaluations/{evaluation}/preview")
    assert preview.status_code == 200
    assert "The grades cannot be computed now: The grade policy" in main_of(preview.text)
