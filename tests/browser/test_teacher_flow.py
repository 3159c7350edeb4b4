"""A teacher's day in Chromium: arrange the teams of a project, score the teams of an assessment
with the keyboard alone, and publish the grades.

The scoring is done with ``page.keyboard`` only (Tab, the arrow keys inside each criterion's radio
group, Enter): no clicks, no mouse. What the browser shows is compared with what the database
and the results service hold afterwards.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.assessments.results.reads import results_of
from teameval.models import (
    ProjectAssessment,
    ProjectAssessmentScore,
    ProjectTeam,
    ProjectTeamMember,
    RubricCriterion,
    User,
)
from teameval.web.i18n import grade_text
from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    assert_accessible,
    assert_focus_visible,
    focused,
    sign_in,
    snap,
    visit,
)
from tests.browser.world import BrowserWorld

# The levels the teacher gives: team number → one level per criterion, in the rubric's order.
LEVELS = {1: (3, 2, 4), 2: (4, 3, 2)}


def _team_card(page: Page, number: int) -> Locator:
    heading = page.get_by_role("heading", name=re.compile(rf"\(team {number}\)$"))
    return page.locator("li.team-card").filter(has=heading)


def _current_members(live_server: LiveServer, project_id: int) -> dict[int, set[str]]:
    with Session(live_server.engine) as session:
        rows = session.execute(
            select(ProjectTeam.team_number, User.name)
            .join(ProjectTeamMember, ProjectTeamMember.project_team_id == ProjectTeam.id)
            .join(User, User.id == ProjectTeamMember.user_id)
            .where(
                ProjectTeam.project_id == project_id,
                ProjectTeam.is_current.is_(True),
                ProjectTeamMember.is_current.is_(True),
            )
        ).all()
    members: dict[int, set[str]] = {}
    for number, name in rows:
        members.setdefault(int(number), set()).add(name)
    return members


def test_the_teacher_moves_students_between_teams_and_saves_the_layout(
    page: Page, world: BrowserWorld, live_server: LiveServer
) -> None:
    sign_in(page, world.teacher.school, world.teacher)
    path = f"/projects/{world.teams_project_id}/teams"
    visit(page, path, "project-teams")
    snap(page, "project-teams", docs=True)
    mover = world.teams[1][2]  # Lotte Visser, team 1 → team 2
    newcomer = world.unassigned[0]  # Sara Bos, no team → team 1
    expect(_team_card(page, 1).get_by_role("cell", name=mover, exact=True)).to_be_visible()

    # The per-student team select is a native control: focus it and use the arrow keys.
    move = page.get_by_label(f"Team of {mover}")
    move.focus()
    page.keyboard.press("ArrowDown")  # Team 1 → Team 2
    expect(move).to_have_value("2")
    join = page.get_by_label(f"Team of {newcomer}")
    join.focus()
    page.keyboard.press("ArrowDown")  # No team → Team 1
    expect(join).to_have_value("1")
    # projects.js says what is not saved yet: both rows marked, and the count beside Save.
    pending = page.locator(".pending-moves")
    expect(pending).to_have_text("Students moved, not saved yet: 2")
    expect(page.locator("tr[data-moved]")).to_have_count(2)
    page.get_by_role("button", name="Save layout").focus()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.locator("#announcer")).not_to_be_empty()
    expect(_team_card(page, 2).get_by_role("cell", name=mover, exact=True)).to_be_visible()
    expect(_team_card(page, 1).get_by_role("cell", name=mover, exact=True)).to_have_count(0)
    expect(_team_card(page, 1).get_by_role("cell", name=newcomer, exact=True)).to_be_visible()
    expect(pending).to_be_empty()
    assert_accessible(page, "project-teams-saved")

    first, second = world.teams[1], world.teams[2]
    assert _current_members(live_server, world.teams_project_id) == {
        1: {first[0], first[1], newcomer},
        2: {*second, mover},
    }


def _tab_until(page: Page, wanted: Callable[[dict[str, Any]], bool], limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if wanted(focused(page)):
            return
    raise AssertionError(f"Tab never reached the control; the focus is on {focused(page)}")


def _choose_level_by_keyboard(page: Page, level: int) -> None:
    """Inside a radio group: the arrow keys move (and check) until ``level`` is checked."""
    for _ in range(12):
        if focused(page)["value"] == str(level):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrow keys never reached level {level}: {focused(page)}")


def _score_by_keyboard(page: Page, levels: tuple[int, ...]) -> None:
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to content"
    page.keyboard.press("Enter")  # the focus is on main now: start from there
    done: set[str] = set()
    for level in levels:
        _tab_until(
            page,
            lambda f: (
                f.get("type") == "radio"
                and str(f.get("name", "")).startswith("score-")
                and f["name"] not in done
            ),
        )
        name = str(focused(page)["name"])
        done.add(name)
        _choose_level_by_keyboard(page, level)
        assert_focus_visible(page)
    # Each change is saved by itself (HTMX): the status shows it and the live region says it.
    status = page.locator("#save-status [data-state]")
    expect(status).to_have_attribute("data-state", "saved")
    expect(status).to_contain_text("Saved at")
    expect(page.locator("#announcer")).to_have_text("Saved")


def _stored_scores(live_server: LiveServer, assessment_id: int, team_id: int) -> dict[str, int]:
    with Session(live_server.engine) as session:
        rows = session.execute(
            select(RubricCriterion.name, ProjectAssessmentScore.score)
            .join(RubricCriterion, RubricCriterion.id == ProjectAssessmentScore.criterion_id)
            .where(
                ProjectAssessmentScore.assessment_id == assessment_id,
                ProjectAssessmentScore.project_team_id == team_id,
                ProjectAssessmentScore.student_id.is_(None),
            )
        ).all()
    return {name: int(score) for name, score in rows}


def _wait_for_scores(
    live_server: LiveServer, assessment_id: int, team_id: int, wanted: dict[str, int]
) -> None:
    """The last autosave may still be on its way when the status first says "saved"."""
    deadline = time.monotonic() + 10
    while (found := _stored_scores(live_server, assessment_id, team_id)) != wanted:
        assert time.monotonic() < deadline, f"stored {found}, expected {wanted}"
        time.sleep(0.1)


def test_the_teacher_scores_by_keyboard_and_publishes(
    page: Page, world: BrowserWorld, live_server: LiveServer
) -> None:
    sign_in(page, world.teacher.school, world.teacher)
    assessment_id = world.assessment_id
    first, second = world.assessment_teams[1], world.assessment_teams[2]
    visit(page, f"/assessments/{assessment_id}/teams/{first}/score", "score-team-1")
    snap(page, "score-team-1", docs=True)
    _score_by_keyboard(page, LEVELS[1])
    wanted_first = dict(zip(world.criteria, LEVELS[1], strict=True))
    _wait_for_scores(live_server, assessment_id, first, wanted_first)
    assert_accessible(page, "score-team-1-saved")

    # "Save and next team", reached with Tab and pressed with Enter.
    _tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Save and next team")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/assessments/{assessment_id}/teams/{second}/score$"))
    expect(page.locator("#announcer")).to_have_text("Scores saved.")
    assert_accessible(page, "score-team-2")
    _score_by_keyboard(page, LEVELS[2])
    wanted_second = dict(zip(world.criteria, LEVELS[2], strict=True))
    _wait_for_scores(live_server, assessment_id, second, wanted_second)
    assert _stored_scores(live_server, assessment_id, first) == wanted_first

    # A reload shows the stored levels checked.
    page.reload()
    for criterion, level in wanted_second.items():
        group = page.get_by_role("group", name=re.compile(rf"^{criterion}"))
        expect(group.get_by_role("radio", name=re.compile(rf"^{level}\b"))).to_be_checked()
    assert_accessible(page, "score-team-2-reloaded")

    # The results: every student of both teams with a grade; then publish.
    visit(page, f"/assessments/{assessment_id}/results", "assessment-results")
    rows = page.locator("#grades tbody tr")
    expect(rows).to_have_count(6)
    expect(page.locator("#grades").get_by_text("incomplete")).to_have_count(0)
    snap(page, "assessment-results", docs=True)
    page.get_by_role("button", name="Publish the grades").click()
    expect(page).to_have_url(re.compile(rf"/assessments/{assessment_id}/results$"))
    expect(page.locator("#announcer")).to_have_text("The grades are published (revision 1).")
    expect(page.get_by_text("Published grades are frozen.")).to_be_visible()
    assert_accessible(page, "assessment-published")
    snap(page, "assessment-published")

    # What the page shows is exactly what the results service stored for each student.
    with Session(live_server.engine) as session:
        assessment = session.get_one(ProjectAssessment, assessment_id)
        assert assessment.status == "published"
        stored = {item.name: item.grade for item in results_of(session, assessment).items}
    assert len(stored) == 6
    assert all(grade is not None for grade in stored.values())
    shown = {
        row.locator("td.student").inner_text(): row.locator("td.grade").inner_text()
        for row in rows.all()
    }
    assert shown == {name: grade_text(Decimal(str(grade)), "en") for name, grade in stored.items()}
