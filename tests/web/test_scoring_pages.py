"""Scoring one team: radio groups with descriptors, saving exactly the sheet, autosave with
HTMX, a conflict when someone else saved, read-only outside ``open``, who may, Dutch, and a
constant number of statements whatever the team, rubric and assessment size."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import ProjectAssessment, ProjectAssessmentTeam, Role, RubricCriterion
from tests.assessments.factories import make_rubric
from tests.assessments.lifecycle.factories import make_assessment
from tests.assessments.sheets.scene import Scene, build_scene, link_row, score_rows, set_status
from tests.factories import enroll, make_project, make_team, make_user
from tests.roster.conftest import RosterWorld
from tests.web.conftest import PageClient

Factory = sessionmaker[Session]
HTMX = {"HX-Request": "true"}


def path(scene: Scene, team_id: int | None = None) -> str:
    return f"/assessments/{scene.assessment_id}/teams/{team_id or scene.team_id}/score"


@dataclass
class Fieldset:
    legend: str = ""
    radios: list[dict[str, str | None]] = field(default_factory=list)


class ScorePage(HTMLParser):
    """The criterion fieldsets of a scoring page: legend, radios (with their label texts)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.fieldsets: list[Fieldset] = []
        self.labels: dict[str, str] = {}
        self._depth = 0
        self._in_legend = False
        self._label_for: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "fieldset" and "criterion" in (found.get("class") or "").split():
            self.fieldsets.append(Fieldset())
            self._depth = 1
        elif tag == "fieldset" and self._depth:
            self._depth += 1
        elif tag == "legend" and self._depth == 1:
            self._in_legend = True
        elif tag == "input" and found.get("type") == "radio" and self._depth:
            self.fieldsets[-1].radios.append(found)
        elif tag == "label" and found.get("for"):
            self._label_for = found["for"]
            self.labels[self._label_for] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "fieldset" and self._depth:
            self._depth -= 1
        elif tag == "legend":
            self._in_legend = False
        elif tag == "label":
            self._label_for = None

    def handle_data(self, data: str) -> None:
        if self._in_legend:
            self.fieldsets[-1].legend += data
        if self._label_for:
            self.labels[self._label_for] += data


def describe(factory: Factory, rubric_id: int, weights: tuple[str, ...] | None = None) -> None:
    """Descriptors "<criterion> level n" on every criterion of the rubric (and new weights)."""
    with factory.begin() as session:
        criteria = session.scalars(
            select(RubricCriterion)
            .where(RubricCriterion.rubric_id == rubric_id)
            .order_by(RubricCriterion.position)
        ).all()
        for index, criterion in enumerate(criteria):
            criterion.descriptors = [f"{criterion.name} level {n}" for n in range(1, 6)]
            if weights:
                criterion.weight = Decimal(weights[index])


def sheet_form(scene: Scene, revision: int = 0, **extra: str) -> dict[str, str]:
    first, second = scene.criteria
    return {
        "revision": str(revision),
        f"score-{first}": "4",
        f"note-{first}": "sterk begin",
        f"score-{second}": "2",
        "comment": "  Goed samengewerkt  ",
        f"override-{scene.other_student_id}-{first}": "5",
        f"reason-{scene.other_student_id}-{first}": "deed het meeste werk",
        "action": "save",
        **extra,
    }


def expected_rows(scene: Scene, worlds: RosterWorld) -> list[tuple[Any, ...]]:
    first, second = scene.criteria
    school, rubric = worlds.north.school.id, worlds.north_rubric.id
    return sorted(
        [
            (scene.team_id, first, None, 4, "sterk begin", None, rubric, school),
            (scene.team_id, second, None, 2, None, None, rubric, school),
            (
                scene.team_id,
                first,
                scene.other_student_id,
                5,
                None,
                "deed het meeste werk",
                rubric,
                school,
            ),
        ],
        key=repr,
    )


def test_each_criterion_is_a_fieldset_with_one_radio_per_level_and_its_descriptor(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_scene(session_factory, worlds)
    describe(session_factory, worlds.north_rubric.id)
    page = pages_for("teacher").get(path(scene))
    assert page.status_code == 200
    parsed = ScorePage(page.text)
    assert [" ".join(f.legend.split()) for f in parsed.fieldsets] == [
        "Criterion 1 (weight 1)",
        "Criterion 2 (weight 2)",
    ]
    for fieldset, criterion_id in zip(parsed.fieldsets, scene.criteria, strict=True):
        levels = [radio for radio in fieldset.radios if radio["value"]]
        assert [radio["value"] for radio in levels] == ["1", "2", "3", "4", "5"]
        assert {radio["name"] for radio in fieldset.radios} == {f"score-{criterion_id}"}
        for radio in levels:
            label = " ".join(parsed.labels[str(radio["id"])].split())
            name = fieldset.legend.split(" (")[0]
            assert label == f"{radio['value']} {name} level {radio['value']}"
    text = page.text
    assert "Score Team 1" in text
    for name in (worlds.north.student.name, worlds.north.other_student.name):
        assert name in text
    assert "Team 1 of 1" in text
    assert f'href="/assessments/{scene.assessment_id}"' in text
    assert 'name="revision" value="0"' in text
    assert 'hx-trigger="change' in text
    assert "Save</button>" in text


def test_saving_writes_exactly_the_sheet_and_shows_it_again(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_scene(session_factory, worlds)
    teacher = pages_for("teacher")
    response = teacher.post(path(scene), sheet_form(scene))
    assert response.status_code == 303
    assert response.headers["location"] == path(scene)
    assert score_rows(session_factory, scene.assessment_id) == expected_rows(scene, worlds)
    assert link_row(session_factory, scene.assessment_id, scene.team_id) == (
        True,
        "Goed samengewerkt",
        1,
    )
    shown = teacher.get(path(scene)).text
    assert "Scores saved." in shown
    first, second = scene.criteria
    assert re.search(rf'id="score-{first}-4" name="score-{first}" value="4" checked', shown)
    assert re.search(rf'id="score-{second}-2" name="score-{second}" value="2" checked', shown)
    assert 'name="revision" value="1"' in shown
    assert 'value="deed het meeste werk"' in shown
    # a second save without the override and the note removes them (the sheet is saved whole)
    again = sheet_form(scene, revision=1)
    del again[f"override-{scene.other_student_id}-{first}"]
    again[f"reason-{scene.other_student_id}-{first}"] = ""
    again[f"note-{first}"] = ""
    again[f"score-{second}"] = ""
    assert teacher.post(path(scene), again).status_code == 303
    assert score_rows(session_factory, scene.assessment_id) == [
        (scene.team_id, first, None, 4, None, None, worlds.north_rubric.id, worlds.north.school.id)
    ]


def test_autosave_answers_the_status_fragment_with_the_new_revision(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_scene(session_factory, worlds)
    teacher = pages_for("teacher")
    fragment = teacher.post(path(scene), sheet_form(scene), headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert 'data-state="saved"' in fragment.text
    assert re.search(r"Saved at \d{1,2}:\d{2}", fragment.text)
    assert 'data-announce="Saved"' in fragment.text
    assert (
        '<input type="hidden" id="sheet-revision" name="revision" value="1" hx-swap-oob="true">'
        in fragment.text
    )
    assert score_rows(session_factory, scene.assessment_id) == expected_rows(scene, worlds)
    # the next autosave sends the new revision and is saved too
    second = teacher.post(path(scene), sheet_form(scene, 1, comment="beter"), headers=HTMX)
    assert 'value="2" hx-swap-oob="true"' in second.text
    assert link_row(session_factory, scene.assessment_id, scene.team_id)[1:] == ("beter", 2)


def test_a_stale_revision_is_a_conflict_that_keeps_the_choices_and_saves_nothing(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_scene(session_factory, worlds)
    assert pages_for("teacher").post(path(scene), sheet_form(scene)).status_code == 303
    theirs = score_rows(session_factory, scene.assessment_id)
    first, second = scene.criteria
    mine = sheet_form(scene, 0, **{f"score-{first}": "1", f"score-{second}": "5"})
    admin = pages_for("admin")
    refused = admin.post(path(scene), mine)
    assert refused.status_code == 409
    assert re.search(r"Someone else saved this team at \d{1,2}:\d{2}", refused.text)
    assert 'role="alert"' in refused.text
    # the admin's own choices are still on the page, with the revision they had
    for criterion_id, level in ((first, 1), (second, 5)):
        chosen = (
            f'id="score-{criterion_id}-{level}" name="score-{criterion_id}" value="{level}" checked'
        )
        assert chosen in refused.text
    assert 'name="revision" value="0"' in refused.text
    htmx = admin.post(path(scene), mine, headers=HTMX)
    assert htmx.status_code == 200
    assert 'data-state="conflict"' in htmx.text
    assert 'role="alert"' in htmx.text
    assert "data-announce=" in htmx.text
    assert "hx-swap-oob" not in htmx.text
    assert score_rows(session_factory, scene.assessment_id) == theirs
    assert link_row(session_factory, scene.assessment_id, scene.team_id)[2] == 1


def test_invalid_input_is_422_on_the_form_and_writes_nothing(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_scene(session_factory, worlds)
    teacher = pages_for("teacher")
    first, _ = scene.criteria
    outside = teacher.post(path(scene), sheet_form(scene, **{f"score-{first}": "9"}))
    assert outside.status_code == 422
    assert "Choose one of the levels." in outside.text
    assert f'id="score-{first}-error"' in outside.text
    no_reason = teacher.post(
        path(scene), sheet_form(scene, **{f"reason-{scene.other_student_id}-{first}": " "})
    )
    assert no_reason.status_code == 422
    assert "Give a reason for this override." in no_reason.text
    assert 'aria-invalid="true"' in no_reason.text
    assert 'class="error-summary"' in no_reason.text
    garbage = teacher.post(path(scene), sheet_form(scene, **{f"score-{first}": "veel"}))
    assert garbage.status_code == 422
    assert "Choose one of the levels." in garbage.text
    htmx = teacher.post(path(scene), sheet_form(scene, **{f"score-{first}": "9"}), headers=HTMX)
    assert 'data-state="error"' in htmx.text
    assert "Not saved:" in htmx.text
    assert score_rows(session_factory, scene.assessment_id) == []
    assert link_row(session_factory, scene.assessment_id, scene.team_id)[2] == 0


def test_a_closed_or_draft_assessment_is_read_only_and_saves_nothing(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_scene(session_factory, worlds, status="closed")
    teacher = pages_for("teacher")
    page = teacher.get(path(scene)).text
    assert "The assessment is closed: the scores are read-only." in page
    assert "Save</button>" not in page
    assert "hx-post" not in page
    radios = [r for f in ScorePage(page).fieldsets for r in f.radios]
    assert radios
    assert all("disabled" in radio for radio in radios)
    refused = teacher.post(path(scene), sheet_form(scene))
    assert refused.status_code == 409
    assert "can no longer be changed" in refused.text
    set_status(session_factory, scene.assessment_id, "draft")
    assert "Scoring starts when the assessment is opened" in teacher.get(path(scene)).text
    assert score_rows(session_factory, scene.assessment_id) == []


def test_save_and_next_goes_to_the_next_team_in_team_number_order(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    assessment_id, teams = scored_assessment(session_factory, worlds, "next", 3, 2, 2)
    teacher = pages_for("teacher")
    second = f"/assessments/{assessment_id}/teams/{teams[1]}/score"
    page = teacher.get(second).text
    assert "Team 2 of 3" in page
    assert f'href="/assessments/{assessment_id}/teams/{teams[0]}/score" rel="prev"' in page
    assert f'href="/assessments/{assessment_id}/teams/{teams[2]}/score" rel="next"' in page
    response = teacher.post(second, {"revision": "0", "action": "next", "comment": "ok"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/assessments/{assessment_id}/teams/{teams[2]}/score"
    last = teacher.get(response.headers["location"]).text
    assert "Team 3 of 3" in last
    assert "Save and next team" not in last


def test_students_and_other_teachers_are_refused_and_other_schools_ids_do_not_exist(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_scene(session_factory, worlds)
    for role in ("student", "other_teacher"):
        browser = pages_for(role)
        assert browser.get(path(scene)).status_code == 403
        assert browser.post(path(scene), sheet_form(scene)).status_code == 403
    admin = pages_for("admin")
    foreign = f"/assessments/{worlds.south_assessment.id}/teams/{worlds.south_team.id}/score"
    assert admin.post(foreign, sheet_form(scene)).status_code == 404
    mixed = f"/assessments/{scene.assessment_id}/teams/{worlds.south_team.id}/score"
    assert admin.post(mixed, sheet_form(scene)).status_code == 404
    assert score_rows(session_factory, scene.assessment_id) == []


def test_the_dutch_page_writes_weights_with_a_comma(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_scene(session_factory, worlds)
    describe(session_factory, worlds.north_rubric.id, weights=("1.5", "2"))
    page = pages_for("teacher", language="nl").get(path(scene)).text
    assert 'lang="nl"' in page
    legends = [" ".join(f.legend.split()) for f in ScorePage(page).fieldsets]
    assert legends == ["Criterion 1 (gewicht 1,5)", "Criterion 2 (gewicht 2)"]
    assert "Team 1 van 1" in page
    assert "Opslaan</button>" in page


def scored_assessment(
    factory: Factory, worlds: RosterWorld, tag: str, teams: int, members: int, criteria: int
) -> tuple[int, list[int]]:
    """An open assessment of a new north project: ``teams`` teams of ``members`` students, a
    rubric of ``criteria`` criteria with descriptors, and team 1 partly scored."""
    north = worlds.north
    with factory.begin() as session:
        project = make_project(session, north.course, f"Project {tag}")
        rubric = make_rubric(session, north.teacher, f"Rubric {tag}", weights=("1.5",) * criteria)
        team_ids = []
        for number in range(1, teams + 1):
            students = [
                make_user(session, north.school, Role.STUDENT, f"{tag}.{number}.{i}@north.test")
                for i in range(members)
            ]
            enroll(session, north.course, *students)
            team_ids.append(make_team(session, project, number, *students).id)
        assessment = make_assessment(session, project, rubric, north.teacher)
        assessment_id = assessment.id
    describe_all(factory, rubric.id)
    with factory.begin() as session:
        session.execute(
            update(ProjectAssessment)
            .where(ProjectAssessment.id == assessment_id)
            .values(status="open")
        )
    return assessment_id, team_ids


def describe_all(factory: Factory, rubric_id: int) -> None:
    with factory.begin() as session:
        for criterion in session.scalars(
            select(RubricCriterion).where(RubricCriterion.rubric_id == rubric_id)
        ):
            criterion.descriptors = [f"{criterion.name}: {n}" for n in range(1, 6)]


def test_the_page_sends_the_same_statements_for_small_and_large_teams_rubrics_and_assessments(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    small_id, small_teams = scored_assessment(session_factory, worlds, "small", 2, 3, 3)
    large_id, large_teams = scored_assessment(session_factory, worlds, "large", 12, 6, 8)
    teacher = pages_for("teacher")
    for assessment_id, team_id in ((small_id, small_teams[0]), (large_id, large_teams[0])):
        # some scores and an override, so every part of the page has rows to show
        form = {"revision": "0", "comment": "c"}
        with session_factory() as session:
            criteria = session.scalars(
                select(RubricCriterion.id)
                .join(ProjectAssessment, ProjectAssessment.rubric_id == RubricCriterion.rubric_id)
                .where(ProjectAssessment.id == assessment_id)
            ).all()
        form |= {f"score-{c}": "3" for c in criteria}
        assert (
            teacher.post(f"/assessments/{assessment_id}/teams/{team_id}/score", form).status_code
            == 303
        )
    small_page, small = teacher.statements(f"/assessments/{small_id}/teams/{small_teams[0]}/score")
    large_page, large = teacher.statements(f"/assessments/{large_id}/teams/{large_teams[0]}/score")
    assert small_page.status_code == large_page.status_code == 200
    assert "Team 1 of 2" in small_page.text
    assert "Team 1 of 12" in large_page.text
    assert len(ScorePage(small_page.text).fieldsets) == 3
    assert len(ScorePage(large_page.text).fieldsets) == 8
    assert len(small) == len(large), (small, large)


def test_a_replaced_team_version_is_read_only_and_says_why(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_scene(session_factory, worlds)
    with session_factory.begin() as session:
        session.execute(
            update(ProjectAssessmentTeam)
            .where(
                ProjectAssessmentTeam.assessment_id == scene.assessment_id,
                ProjectAssessmentTeam.project_team_id == scene.team_id,
            )
            .values(active=False)
        )
    teacher = pages_for("teacher")
    page = teacher.get(path(scene)).text
    assert "This team version was replaced" in page
    assert "Version 1 of this team, no longer assessed" in page
    assert "Save</button>" not in page
    refused = teacher.post(path(scene), sheet_form(scene))
    assert refused.status_code == 409
    assert "can no longer be changed" in refused.text
    assert score_rows(session_factory, scene.assessment_id) == []
