"""Peer evaluation in Chromium: a student rates themselves and each teammate step by step
(radio groups named by their criterion, levels by their descriptor) and submits; the teacher
sees everyone submitted, reads the team's ratings and the preview, closes and publishes; the
student then reads their feedback without names. axe-core checks every page visited, and what
the browser did is compared with the database.

The data is this module's own, in Riverside College: project "Peer review" with one team
(Sara Bos, Milan Dekker, Julia Mulder) and an open peer evaluation of a peer rubric; Sara and
Milan have submitted through the service, Julia rates in the browser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.access.principal import Principal
from teameval.assessments.rubrics.schemas import CriterionIn, RubricCreate
from teameval.assessments.rubrics.service import create_rubric
from teameval.audit_trail import Actor
from teameval.models import (
    Course,
    PeerEvaluation,
    PeerRating,
    PeerResult,
    PeerSubmission,
    Role,
    School,
    User,
)
from teameval.peer import evaluations, ratings
from teameval.peer.schemas import PeerEvaluationCreate, PeerEvaluationUpdate, RatingsPut
from tests.browser.conftest import LiveServer
from tests.browser.helpers import assert_accessible, sign_in, sign_out, snap, visit
from tests.browser.world import PASSWORD, SLUG, BrowserWorld, Login
from tests.factories import make_project, make_team

MEMBERS = ("Sara Bos", "Milan Dekker", "Julia Mulder")
RATER = "Julia Mulder"
CRITERIA = (
    ("Contribution", ("Leaves it to others", "Does their part", "Adds ideas", "Drives the team")),
    ("Communication", ("Hard to reach", "Answers when asked", "Keeps others informed", "Connects")),
)
# What Julia gives: whom (in the form's order: herself first, then by name) → level per criterion
GIVEN = {"Julia Mulder": (3, 3), "Milan Dekker": (4, 3), "Sara Bos": (2, 4)}


@dataclass(frozen=True)
class PeerWorld:
    evaluation_id: int
    team_id: int
    users: dict[str, int]
    student: Login


def _principal(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        school_id=user.school_id,
        role=Role(user.role),
        email=user.email,
        name=user.name,
    )


@pytest.fixture(scope="module")
def peer_world(live_server: LiveServer) -> PeerWorld:
    world = live_server.world
    with Session(live_server.engine) as session, session.begin():
        school = session.scalars(select(School).where(School.slug == SLUG)).one()
        users = {
            user.name: user
            for user in session.scalars(select(User).where(User.school_id == school.id))
        }
        teacher = users[world.teacher.name]
        course = session.scalars(
            select(Course).where(Course.school_id == school.id, Course.code == "RD-4A")
        ).one()
        project = make_project(session, course, "Peer review")
        team = make_team(session, project, 1, *(users[name] for name in MEMBERS))
        actor = Actor(school_id=school.id, user_id=teacher.id, label=f"user:{teacher.id}")
        rubric = create_rubric(
            session,
            actor,
            RubricCreate(
                title="Working together",
                scope="peer",
                scale_min=1,
                scale_max=4,
                criteria=[
                    CriterionIn(name=name, weight="1", descriptors=list(levels))
                    for name, levels in CRITERIA
                ],
            ),
        )
        evaluation = evaluations.create_evaluation(
            session,
            actor,
            project,
            PeerEvaluationCreate(
                title="Peer review week 6", rubric_id=rubric.id, include_self=True
            ),
        )
        evaluations.update_evaluation(
            session, actor, evaluation, PeerEvaluationUpdate(status="open")
        )
        # Sara and Milan submit through the service; Sara comments on Julia.
        for rater, level in (("Sara Bos", 3), ("Milan Dekker", 2)):
            principal = _principal(users[rater])
            form = ratings.my_form(session, principal, evaluation.id)
            items = [
                {
                    "ratee_id": member.id,
                    "criterion_id": criterion.id,
                    "score": level,
                    "comment": "Julia keeps the planning"
                    if rater == "Sara Bos" and member.name == RATER and criterion.position == 0
                    else None,
                }
                for member in form.members
                for criterion in form.criteria
            ]
            ratings.save_ratings(
                session,
                principal,
                principal.actor,
                evaluation.id,
                RatingsPut.model_validate({"ratings": items, "submit": True}),
            )
        student = users[RATER]
        return PeerWorld(
            evaluation.id,
            team.id,
            {name: users[name].id for name in MEMBERS},
            Login(SLUG, student.email, PASSWORD, student.name),
        )


def test_a_student_rates_step_by_step_and_the_teacher_publishes(
    page: Page, world: BrowserWorld, live_server: LiveServer, peer_world: PeerWorld
) -> None:
    evaluation = peer_world.evaluation_id
    sign_in(page, SLUG, peer_world.student)
    visit(page, "/my/peer-evaluations", "peer-my-list")
    page.get_by_role("link", name="Peer review week 6").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Peer review week 6")
    assert_accessible(page, "peer-step-self")
    snap(page, "peer-step", docs=True)

    for step, name in enumerate(GIVEN, start=1):
        heading = "rate yourself" if name == RATER else f"rate {name}"
        expect(page.get_by_role("heading", level=2)).to_contain_text(heading)
        for (criterion, descriptors), level in zip(CRITERIA, GIVEN[name], strict=True):
            group = page.get_by_role("group", name=criterion)
            group.get_by_role("radio", name=f"{level} {descriptors[level - 1]}").check()
        if name == "Sara Bos":
            page.get_by_label("Comment on Contribution (optional)").fill("Great sketches")
        page.get_by_role("button", name="Save and continue").click()
        expect(page).to_have_url(re.compile(rf"\?step={step + 1}$"))
        expect(page.locator("#announcer")).to_contain_text("Your ratings are saved.")

    expect(page.get_by_role("heading", level=2)).to_contain_text("review and submit")
    assert_accessible(page, "peer-review")
    expect(page.get_by_text("not rated")).to_have_count(0)
    page.get_by_role("button", name="Submit my ratings").click()
    expect(page.locator("#announcer")).to_contain_text("Your ratings are submitted.")
    assert_accessible(page, "peer-submitted")

    julia = peer_world.users[RATER]
    with Session(live_server.engine) as session:
        given = session.execute(
            select(PeerRating.ratee_id, PeerRating.score, PeerRating.comment)
            .where(PeerRating.evaluation_id == evaluation, PeerRating.rater_id == julia)
            .order_by(PeerRating.ratee_id, PeerRating.criterion_id)
        ).all()
        submitted_at = session.scalar(
            select(PeerSubmission.submitted_at).where(
                PeerSubmission.evaluation_id == evaluation, PeerSubmission.rater_id == julia
            )
        )
    assert submitted_at is not None
    names = {user_id: name for name, user_id in peer_world.users.items()}
    scores: dict[str, list[int]] = {}
    for ratee, score, _comment in given:
        scores.setdefault(names[ratee], []).append(score)
    assert scores == {name: list(levels) for name, levels in GIVEN.items()}
    assert [c for _, _, c in given if c] == ["Great sketches"]

    # the teacher: everyone submitted, the team's ratings, the preview, close and publish
    sign_out(page)
    sign_in(page, SLUG, world.teacher)
    visit(page, "/peer-evaluations", "peer-teacher-list")
    page.get_by_role("link", name="Peer review week 6").click()
    expect(page.locator("#progress-summary")).to_have_text("3 of 3 students submitted.")
    assert_accessible(page, "peer-evaluation")
    snap(page, "peer-evaluation", docs=True)
    visit(page, f"/peer-evaluations/{evaluation}/teams/{peer_world.team_id}", "peer-team-ratings")
    expect(page.get_by_role("cell", name="Great sketches")).to_be_visible()
    page.goto(f"/peer-evaluations/{evaluation}")
    page.get_by_role("button", name="Close rating").click()
    expect(page.locator("#announcer")).to_contain_text("The peer evaluation is closed.")
    page.get_by_role("link", name="Fairness preview and model choice").click()
    assert_accessible(page, "peer-preview")
    snap(page, "peer-preview", docs=True)
    page.get_by_role("button", name="Publish to students").click()
    expect(page.locator("#announcer")).to_contain_text("The peer evaluation is published")
    with Session(live_server.engine) as session:
        assert session.get_one(PeerEvaluation, evaluation).status == "published"
        results = session.scalars(
            select(PeerResult.student_id).where(PeerResult.evaluation_id == evaluation)
        ).all()
    assert sorted(results) == sorted(peer_world.users.values())

    # the student reads the feedback: the peers' means, her own rating, a comment, no names
    sign_out(page)
    sign_in(page, SLUG, peer_world.student)
    visit(page, f"/my/peer-evaluations/{evaluation}", "peer-feedback")
    snap(page, "peer-feedback", docs=True)
    main = page.locator("main")
    expect(main.locator("td.peer-mean")).to_have_text(["2.50", "2.50"])  # Sara 3, Milan 2
    expect(main.locator("td.self-score")).to_have_text(["3", "3"])
    expect(main.get_by_text("Julia keeps the planning")).to_be_visible()
    for name in ("Sara Bos", "Milan Dekker"):
        expect(main.get_by_text(name)).to_have_count(0)
