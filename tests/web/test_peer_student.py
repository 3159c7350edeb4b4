"""A student's peer evaluation pages through HTTP on both engines: the list, the step-by-step
form (self first, then each teammate, then review and submit), what each post wrote in the
database, invalid input, a closed evaluation, and the feedback after publication: means and
comments without names, only the student's own."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import PeerEvaluation, PeerRating, PeerSubmission, User
from tests.roster.conftest import RosterWorld
from tests.web.conftest import PageClient, signed_in
from tests.web.html_checks import page_problems
from tests.web.test_peer_scene import (
    PEER_DESCRIPTORS,
    PeerScene,
    build_peer_scene,
    make_evaluation,
    rate,
    set_status,
)

Factory = sessionmaker[Session]


def main_of(html: str) -> str:
    found = re.search(r"<main.*?</main>", html, re.S)
    assert found
    return found.group(0)


def saved(factory: Factory, evaluation_id: int, rater_id: int) -> dict[tuple[int, int], int]:
    with factory() as session:
        rows = session.execute(
            select(PeerRating.ratee_id, PeerRating.criterion_id, PeerRating.score).where(
                PeerRating.evaluation_id == evaluation_id, PeerRating.rater_id == rater_id
            )
        ).all()
    return {(ratee, criterion): score for ratee, criterion, score in rows}


def submission(factory: Factory, evaluation_id: int, rater_id: int) -> str:
    with factory() as session:
        row = session.execute(
            select(PeerSubmission.submitted_at).where(
                PeerSubmission.evaluation_id == evaluation_id, PeerSubmission.rater_id == rater_id
            )
        ).first()
    return "none" if row is None else ("draft" if row[0] is None else "submitted")


def step_data(scene: PeerScene, step: int, scores: tuple[int, int], action: str) -> dict[str, str]:
    first, second = scene.criteria
    return {
        "step": str(step),
        f"score-{first}": str(scores[0]),
        f"score-{second}": str(scores[1]),
        f"comment-{first}": "",
        f"comment-{second}": "",
        "action": action,
    }


def test_a_student_rates_themselves_then_each_teammate_and_submits(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_peer_scene(session_factory, worlds)
    evaluation = make_evaluation(session_factory, worlds, scene)
    me = worlds.north.student
    student = pages_for("student")
    listing = student.get("/my/peer-evaluations")
    assert listing.status_code == 200
    assert page_problems(listing.text) == []
    text = main_of(listing.text)
    assert f'<a href="/my/peer-evaluations/{evaluation}">Peer feedback week 8</a>' in text
    assert "Not started" in text

    first = student.get(f"/my/peer-evaluations/{evaluation}")
    assert first.status_code == 200
    assert page_problems(first.text) == []
    text = main_of(first.text)
    assert "Step 1 of 4:" in text
    assert "rate yourself" in text
    # the rubric's levels as radio groups, the criterion named by the legend, descriptors shown
    assert "<legend>Bijdrage</legend>" in text
    assert "<legend>Communicatie</legend>" in text
    for level, descriptor in enumerate(PEER_DESCRIPTORS, start=1):
        assert re.search(
            rf'<input type="radio" id="score-{scene.criteria[0]}-{level}" '
            rf'name="score-{scene.criteria[0]}" value="{level}">\s*<label for="score-'
            rf'{scene.criteria[0]}-{level}"><strong class="level-number">{level}</strong> '
            rf"{descriptor}</label>",
            text,
        ), descriptor
    # the steps: yourself, then the teammates by name, then review
    assert re.findall(r'<a href="\?step=\d"[^>]*>([^<]+)</a>', text) == [
        "Yourself",
        "Mara Maat",
        "Pim Peer",
        "Review and submit",
    ]
    # nothing of the other team
    assert "Kees Klein" not in text
    assert worlds.north.other_student.name not in text

    mates = {name: user_id for user_id, name in scene.members[1]}
    answer = step_data(scene, 1, (3, 4), "next")
    answer[f"comment-{scene.criteria[0]}"] = "Ik plande te weinig"
    saved_one = student.post(f"/my/peer-evaluations/{evaluation}/ratings", answer)
    assert saved_one.status_code == 303
    assert saved_one.headers["location"] == f"/my/peer-evaluations/{evaluation}?step=2"
    assert saved(session_factory, evaluation, me.id) == {
        (me.id, scene.criteria[0]): 3,
        (me.id, scene.criteria[1]): 4,
    }
    assert submission(session_factory, evaluation, me.id) == "draft"

    second_page = student.get(f"/my/peer-evaluations/{evaluation}?step=2")
    assert "Your ratings are saved." in second_page.text  # announced after the redirect
    second = main_of(second_page.text)
    assert "Step 2 of 4:" in second
    assert "rate Mara Maat" in second
    assert "2 of 2 rated" not in second
    assert "✓ rated" in second
    # step 2 only partly answered, saved as a draft ("Save draft" stays on the step)
    partial = step_data(scene, 2, (2, 0), "save")
    partial[f"score-{scene.criteria[1]}"] = ""
    stay = student.post(f"/my/peer-evaluations/{evaluation}/ratings", partial)
    assert stay.headers["location"] == f"/my/peer-evaluations/{evaluation}?step=2"
    again = main_of(student.get(f"/my/peer-evaluations/{evaluation}?step=2").text)
    assert re.search(rf'id="score-{scene.criteria[0]}-2"[^>]*checked', again)
    assert "1 of 2 rated" in again

    # submitting now names what is missing, and submits nothing
    early = student.post(
        f"/my/peer-evaluations/{evaluation}/ratings", {"step": "4", "action": "submit"}
    )
    assert early.status_code == 422
    assert page_problems(early.text) == []
    text = main_of(early.text)
    assert "Not rated yet: Mara Maat on Communicatie." in text
    assert "Not rated yet: Pim Peer on Bijdrage, Communicatie." in text
    assert submission(session_factory, evaluation, me.id) == "draft"

    student.post(f"/my/peer-evaluations/{evaluation}/ratings", step_data(scene, 2, (2, 3), "next"))
    student.post(f"/my/peer-evaluations/{evaluation}/ratings", step_data(scene, 3, (4, 4), "next"))
    review = main_of(student.get(f"/my/peer-evaluations/{evaluation}?step=4").text)
    assert "review and submit" in review
    assert "not rated" not in review
    submitted = student.post(
        f"/my/peer-evaluations/{evaluation}/ratings", {"step": "4", "action": "submit"}
    )
    assert submitted.status_code == 303
    assert submitted.headers["location"] == f"/my/peer-evaluations/{evaluation}"
    assert submission(session_factory, evaluation, me.id) == "submitted"
    c1, c2 = scene.criteria
    assert saved(session_factory, evaluation, me.id) == {
        (me.id, c1): 3,
        (me.id, c2): 4,
        (mates["Mara Maat"], c1): 2,
        (mates["Mara Maat"], c2): 3,
        (mates["Pim Peer"], c1): 4,
        (mates["Pim Peer"], c2): 4,
    }
    after = student.get(f"/my/peer-evaluations/{evaluation}")
    assert "Your ratings are submitted." in after.text
    assert "You have submitted your ratings." in main_of(after.text)
    assert "Submitted" in main_of(student.get("/my/peer-evaluations").text)


def test_an_invalid_level_is_named_beside_its_criterion_and_nothing_is_saved(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_peer_scene(session_factory, worlds)
    evaluation = make_evaluation(session_factory, worlds, scene)
    student = pages_for("student")
    for bad in ("9", "abc", "-1", "99999999999999"):
        response = student.post(
            f"/my/peer-evaluations/{evaluation}/ratings",
            {**step_data(scene, 1, (1, 1), "next"), f"score-{scene.criteria[1]}": bad},
        )
        assert response.status_code == 422, bad
        assert page_problems(response.text) == []
        text = main_of(response.text)
        assert f'id="score-{scene.criteria[1]}-error"' in text
        assert "Choose one of the levels." in text
        # the level chosen on the other criterion is kept
        assert re.search(rf'id="score-{scene.criteria[0]}-1"[^>]*checked', text)
    too_long = student.post(
        f"/my/peer-evaluations/{evaluation}/ratings",
        {**step_data(scene, 1, (1, 1), "next"), f"comment-{scene.criteria[0]}": "x" * 2001},
    )
    assert too_long.status_code == 422
    assert "at most 2000 characters" in too_long.text
    assert saved(session_factory, evaluation, worlds.north.student.id) == {}
    assert submission(session_factory, evaluation, worlds.north.student.id) == "none"


def test_a_closed_evaluation_shows_the_own_ratings_and_takes_no_post(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_peer_scene(session_factory, worlds)
    evaluation = make_evaluation(session_factory, worlds, scene, include_self=False)
    me = worlds.north.student
    mates = [user_id for user_id, _ in scene.members[1] if user_id != me.id]
    rate(session_factory, me, evaluation, {mates[0]: (4, 3), mates[1]: (2, 1)})
    set_status(session_factory, worlds, evaluation, "closed")
    student = pages_for("student")
    page = student.get(f"/my/peer-evaluations/{evaluation}")
    assert page.status_code == 200
    assert page_problems(page.text) == []
    text = main_of(page.text)
    assert "This peer evaluation is closed." in text
    assert "<form" not in text
    assert "Yourself" not in text  # include_self is off
    cells = re.findall(r'<td class="number">(\d)</td>', text)
    assert sorted(cells) == ["1", "2", "3", "4"]
    refused = student.post(
        f"/my/peer-evaluations/{evaluation}/ratings", step_data(scene, 1, (1, 1), "next")
    )
    assert refused.status_code == 409
    assert "your answers were not saved" in refused.text
    assert saved(session_factory, evaluation, me.id)[(mates[0], scene.criteria[0])] == 4


def test_after_publication_a_student_sees_means_and_comments_without_names(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: Factory,
    client: TestClient,
) -> None:
    scene = build_peer_scene(session_factory, worlds)
    evaluation = make_evaluation(session_factory, worlds, scene)
    me = worlds.north.student
    team = {name: user_id for user_id, name in scene.members[1]}
    users = {"Mara Maat": scene.users["Mara Maat"], "Pim Peer": scene.users["Pim Peer"]}
    mara, pim = team["Mara Maat"], team["Pim Peer"]
    rate(session_factory, me, evaluation, {me.id: (4, 4), mara: (3, 3), pim: (3, 3)})
    rate(
        session_factory,
        users["Mara Maat"],
        evaluation,
        {me.id: (3, 2), mara: (3, 3), pim: (3, 3)},
        comments={me.id: "Goede planner"},
    )
    rate(
        session_factory,
        users["Pim Peer"],
        evaluation,
        {me.id: (4, 3), mara: (3, 3), pim: (3, 3)},
        comments={me.id: "Altijd op tijd"},
    )
    # a draft never counts and its comment never shows
    other_team = {name: user_id for user_id, name in scene.members[2]}
    kees: User = scene.users["Kees Klein"]
    rate(
        session_factory,
        kees,
        evaluation,
        {other_team["Kees Klein"]: (1, 1)},
        submit=False,
    )
    student = pages_for("student")
    before = main_of(student.get(f"/my/peer-evaluations/{evaluation}").text)
    assert "Goede planner" not in before
    assert "Altijd op tijd" not in before
    set_status(session_factory, worlds, evaluation, "closed")
    closed = main_of(student.get(f"/my/peer-evaluations/{evaluation}").text)
    assert "Goede planner" not in closed
    set_status(session_factory, worlds, evaluation, "published")

    page = student.get(f"/my/peer-evaluations/{evaluation}")
    assert page.status_code == 200
    assert page_problems(page.text) == []
    text = main_of(page.text)
    means = re.findall(r'<td class="number peer-mean">([^<]+)</td>', text)
    assert means == ["3.50", "2.50"]  # (3 + 4) / 2 and (2 + 3) / 2
    selves = re.findall(r'<td class="number self-score">([^<]+)</td>', text)
    assert selves == ["4", "4"]
    assert "<li>Altijd op tijd</li>" in text
    assert "<li>Goede planner</li>" in text
    # no rater's name anywhere in the feedback
    for name in ("Mara Maat", "Pim Peer", "Kees Klein"):
        assert name not in text
    # the corrected grade of the linked assessment (7.5 uncorrected for team 1)
    assert "Your grade after the peer correction" in text
    assert re.search(r'<strong id="peer-grade">[0-9.]+</strong>', text)

    # Mara sees her own feedback, not the student's
    mara_client = signed_in(client, users["Mara Maat"])
    theirs = main_of(mara_client.get(f"/my/peer-evaluations/{evaluation}").text)
    assert "Goede planner" not in theirs
    assert "Altijd op tijd" not in theirs
    assert re.findall(r'<td class="number peer-mean">([^<]+)</td>', theirs) == ["3.00", "3.00"]
    mara_client.client.close()

    # in Dutch
    dutch = main_of(
        pages_for("student", language="nl").get(f"/my/peer-evaluations/{evaluation}").text
    )
    assert "Hoe je teamgenoten je beoordeelden" in dutch
    assert "3,50" in dutch


def test_what_is_not_a_student_s_own_is_404_and_staff_get_403(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_peer_scene(session_factory, worlds)
    draft = make_evaluation(session_factory, worlds, scene, "Nog concept", status="draft")
    opened = make_evaluation(session_factory, worlds, scene, "Open")
    student = pages_for("student")
    for evaluation_id in (draft, 0, 2**31 - 1, 2**40):
        for path in (
            f"/my/peer-evaluations/{evaluation_id}",
            f"/my/peer-evaluations/{evaluation_id}?step=2",
        ):
            response = student.get(path)
            assert response.status_code == 404, path
            assert "This page does not exist" in response.text
        posted = student.post(
            f"/my/peer-evaluations/{evaluation_id}/ratings", step_data(scene, 1, (1, 1), "next")
        )
        assert posted.status_code == 404
    assert "Nog concept" not in student.get("/my/peer-evaluations").text
    # another school's student
    assert (
        pages_for("student", school="south").get(f"/my/peer-evaluations/{opened}").status_code
        == 404
    )
    for role in ("teacher", "admin", "other_teacher"):
        assert pages_for(role).get(f"/my/peer-evaluations/{opened}").status_code == 403
        assert pages_for(role).get("/my/peer-evaluations").status_code == 403


def test_an_open_evaluation_past_its_window_takes_no_ratings(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_peer_scene(session_factory, worlds)
    evaluation = make_evaluation(session_factory, worlds, scene)
    with session_factory.begin() as session:
        row = session.get_one(PeerEvaluation, evaluation)
        row.closes_at = datetime.now(UTC) - timedelta(minutes=1)
    student = pages_for("student")
    page = student.get(f"/my/peer-evaluations/{evaluation}")
    assert page.status_code == 200
    text = main_of(page.text)
    assert "its window is not open" in text
    assert "<form" not in text
    refused = student.post(
        f"/my/peer-evaluations/{evaluation}/ratings", step_data(scene, 1, (2, 2), "next")
    )
    assert refused.status_code == 409
    assert saved(session_factory, evaluation, worlds.north.student.id) == {}


def test_the_lists_send_as_many_statements_for_one_evaluation_as_for_four(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_peer_scene(session_factory, worlds)
    make_evaluation(session_factory, worlds, scene, "Een")
    student = pages_for("student")
    teacher = pages_for("teacher")
    few = {
        path: client.statements(path)
        for path, client in (
            ("/my/peer-evaluations", student),
            ("/peer-evaluations", teacher),
        )
    }
    for title in ("Twee", "Drie", "Vier"):
        make_evaluation(session_factory, worlds, scene, title)
    for path, client in (("/my/peer-evaluations", student), ("/peer-evaluations", teacher)):
        response, statements = client.statements(path)
        assert response.status_code == 200
        assert main_of(response.text).count("<tr>") == 5  # a header and four rows
        assert len(statements) == len(few[path][1]), path
