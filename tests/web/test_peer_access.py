"""The page matrix of the pages of one peer evaluation (the roster world has none, so
tests/web/tables/peer.py leaves them to this file): every role gets 200 or 403, another school's
evaluation is a 404, no session redirects to sign-in, and each page keeps the HTML rules; the
same roles for every post of the area."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import PeerEvaluation, PeerRating, Project, User
from teameval.peer import evaluations, reports
from teameval.peer.schemas import PeerEvaluationCreate, PeerEvaluationUpdate
from tests.assessments.factories import make_rubric
from tests.roster.conftest import RosterWorld
from tests.web.conftest import PageClient
from tests.web.html_checks import page_problems
from tests.web.pages_table import ROLES, STUDENT_ONLY, TEACHES
from tests.web.test_assessments_scene import principal_of
from tests.web.test_peer_scene import build_peer_scene, make_evaluation, rate, set_status

Factory = sessionmaker[Session]


def south_evaluation(factory: Factory, worlds: RosterWorld) -> tuple[int, int]:
    """An open peer evaluation of south's project (its team 1): (evaluation id, team id)."""
    teacher = principal_of(worlds.south.teacher)
    with factory.begin() as session:
        rubric = make_rubric(
            session, session.get_one(User, worlds.south.teacher.id), "Zuid", scope="peer"
        )
        project = session.get_one(Project, worlds.south_project.id)
        created = evaluations.create_evaluation(
            session,
            teacher.actor,
            project,
            PeerEvaluationCreate(title="Zuid peer", rubric_id=rubric.id, weighting=Decimal("0.5")),
        )
        evaluations.update_evaluation(
            session, teacher.actor, created, PeerEvaluationUpdate(status="open")
        )
        return created.id, worlds.south_team.id


def check_page(
    pages_for: Callable[..., PageClient],
    client: TestClient,
    path: str,
    allowed: dict[str, bool],
    foreign: str,
) -> None:
    for role in ROLES:
        response = pages_for(role).get(path)
        expected = 200 if allowed[role] else 403
        assert response.status_code == expected, (role, path, response.text[-600:])
        assert response.headers["content-type"].startswith("text/html")
        if expected == 200:
            assert page_problems(response.text) == [], (role, path)
            assert response.headers["cache-control"] == "no-store"
    other = pages_for("student" if allowed["student"] else "admin").get(foreign)
    assert other.status_code == 404, foreign
    assert "does not exist" in other.text
    anonymous = TestClient(client.app).get(path, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/sign-in?next=")


def test_the_pages_of_one_peer_evaluation_by_role_school_and_session(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: Factory,
    client: TestClient,
) -> None:
    scene = build_peer_scene(session_factory, worlds)
    evaluation = make_evaluation(session_factory, worlds, scene)
    me = worlds.north.student
    mates = [user_id for user_id, _ in scene.members[1]]
    rate(session_factory, me, evaluation, dict.fromkeys(mates, (3, 3)))
    south, south_team = south_evaluation(session_factory, worlds)
    team = scene.team_ids[1]
    pages = [
        (f"/my/peer-evaluations/{evaluation}", STUDENT_ONLY, f"/my/peer-evaluations/{south}"),
        (
            f"/my/peer-evaluations/{evaluation}?step=4",
            STUDENT_ONLY,
            f"/my/peer-evaluations/{south}?step=4",
        ),
        (f"/peer-evaluations/{evaluation}", TEACHES, f"/peer-evaluations/{south}"),
        (f"/peer-evaluations/{evaluation}/preview", TEACHES, f"/peer-evaluations/{south}/preview"),
        (
            f"/peer-evaluations/{evaluation}/teams/{team}",
            TEACHES,
            f"/peer-evaluations/{south}/teams/{south_team}",
        ),
    ]
    for path, allowed, foreign in pages:
        check_page(pages_for, client, path, allowed, foreign)
    # a team of another evaluation (south's) under this one is a 404 too
    assert (
        pages_for("admin").get(f"/peer-evaluations/{evaluation}/teams/{south_team}").status_code
        == 404
    )
    # after publication the student's page is the feedback
    set_status(session_factory, worlds, evaluation, "closed")
    set_status(session_factory, worlds, evaluation, "published")
    check_page(
        pages_for,
        client,
        f"/my/peer-evaluations/{evaluation}",
        STUDENT_ONLY,
        f"/my/peer-evaluations/{south}",
    )
    check_page(
        pages_for,
        client,
        f"/peer-evaluations/{evaluation}/preview",
        TEACHES,
        f"/peer-evaluations/{south}/preview",
    )


def test_only_the_course_s_teachers_and_admins_post(
    pages_for: Callable[..., PageClient], worlds: RosterWorld, session_factory: Factory
) -> None:
    scene = build_peer_scene(session_factory, worlds)
    evaluation = make_evaluation(session_factory, worlds, scene, status="draft")
    south, _ = south_evaluation(session_factory, worlds)
    posts = [
        ("/peer-evaluations/{id}/status", {"status": "open"}),
        (
            "/peer-evaluations/{id}/settings",
            {"model": "none", "weighting": "0.5", "non_submitter": "cap", "penalty": "0"},
        ),
    ]
    for template, data in posts:
        for role, expected in (("other_teacher", 403), ("student", 403)):
            response = pages_for(role).post(template.format(id=evaluation), data)
            assert response.status_code == expected, (role, template)
        foreign = pages_for("admin").post(template.format(id=south), data)
        assert foreign.status_code == 404, template
    with session_factory() as session:
        row = session.get_one(PeerEvaluation, evaluation)
        assert (row.status, row.model) == ("draft", "webpa")
        assert session.get_one(PeerEvaluation, south).status == "open"
    # the admin of the school may
    assert (
        pages_for("admin")
        .post(f"/peer-evaluations/{evaluation}/status", {"status": "open"})
        .status_code
        == 303
    )
    rate(
        session_factory,
        worlds.north.student,
        evaluation,
        {user_id: (2, 2) for user_id, _ in scene.members[1]},
        comments={scene.members[1][1][0]: "Prima"},
    )
    with session_factory() as session:
        rating = session.execute(
            select(PeerRating.id).where(
                PeerRating.evaluation_id == evaluation, PeerRating.comment == "Prima"
            )
        ).scalar_one()
    path = f"/peer-evaluations/{evaluation}/ratings/{rating}/comment"
    for role in ("other_teacher", "student"):
        assert pages_for(role).post(path, {"hidden": "1"}).status_code == 403
    assert pages_for("admin", school="south").post(path, {"hidden": "1"}).status_code == 404
    # a rating id of no rating of this evaluation
    missing = f"/peer-evaluations/{evaluation}/ratings/{2**31 - 1}/comment"
    assert pages_for("teacher").post(missing, {"hidden": "1"}).status_code == 404
    with session_factory() as session:
        assert session.get_one(PeerRating, rating).comment_hidden is False
    assert pages_for("teacher").post(path, {"hidden": "1"}).status_code == 303
    with session_factory() as session:
        assert session.get_one(PeerRating, rating).comment_hidden is True


def test_the_csv_export_is_the_service_s_for_the_course_s_teachers_and_admins(
    pages_for: Callable[..., PageClient],
    worlds: RosterWorld,
    session_factory: Factory,
    client: TestClient,
) -> None:
    scene = build_peer_scene(session_factory, worlds)
    evaluation = make_evaluation(session_factory, worlds, scene)
    rate(
        session_factory,
        worlds.north.student,
        evaluation,
        {user_id: (3, 2) for user_id, _ in scene.members[1]},
    )
    south, _ = south_evaluation(session_factory, worlds)
    path = f"/peer-evaluations/{evaluation}/export.csv"
    with session_factory() as session:
        expected = reports.export_csv(session, session.get_one(PeerEvaluation, evaluation))
    for role in ("admin", "teacher"):
        response = pages_for(role).get(path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"] == (
            f'attachment; filename="{expected.filename}"'
        )
        assert response.content == expected.content
        assert response.headers["cache-control"] == "no-store"
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("team,project_team_id,student_id")
    assert worlds.north.student.name in text
    for role in ("other_teacher", "student"):
        assert pages_for(role).get(path).status_code == 403
    assert pages_for("admin").get(f"/peer-evaluations/{south}/export.csv").status_code == 404
    anonymous = TestClient(client.app).get(path, follow_redirects=False)
    assert anonymous.status_code == 303
    overview = pages_for("teacher").get(f"/peer-evaluations/{evaluation}").text
    assert f'href="{path}" download>Download factors and grades (CSV)</a>' in overview
