"""The demo's peer evaluation (closed, linked to the published assessment, one complete team,
one with a non-submitter and a flat rater) through the pages, in the demo school's Dutch: the
admin's overview and preview show the flags and the models side by side, exactly the
service's grades; a student of the evaluation sees it closed with their own ratings only."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.demo import build_demo
from teameval.models import PeerEvaluation, User
from teameval.peer.reports import preview
from teameval.web.i18n import grade_text
from tests.web.conftest import signed_in
from tests.web.html_checks import page_problems
from tests.web.test_peer_student import main_of

Factory = sessionmaker[Session]


def test_the_demo_peer_evaluation_in_the_pages(
    client: TestClient, session_factory: Factory
) -> None:
    with session_factory.begin() as session:
        summary = build_demo(session)
        assert summary.peer is not None
        evaluation = session.get_one(PeerEvaluation, summary.peer.evaluation_id)
        teacher = session.scalars(
            select(User)
            .where(User.school_id == evaluation.school_id, User.role == "admin")
            .order_by(User.id)
        ).first()
        assert teacher is not None
        shown = preview(session, evaluation)
        non_submitter = session.get_one(User, summary.peer.non_submitter_id)
        flat_rater = session.get_one(User, summary.peer.flat_rater_id)
        evaluation_id = evaluation.id

    staff = signed_in(client, teacher)
    overview = staff.get(f"/peer-evaluations/{evaluation_id}")
    assert overview.status_code == 200
    assert page_problems(overview.text) == []
    assert 'lang="nl"' in overview.text  # the demo school speaks Dutch
    text = main_of(overview.text)
    assert "Gesloten" in text
    assert "Niet ingeleverd" in text
    assert "Vlakke beoordelaar" in text
    page = staff.get(f"/peer-evaluations/{evaluation_id}/preview")
    assert page.status_code == 200
    assert page_problems(page.text) == []
    text = main_of(page.text)
    assert "Publiceren voor studenten</button>" in text
    rows = re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', text, re.S)
    assert [name for name, _ in rows] == [student.name for student in shown.students]
    for (_, row), student in zip(rows, shown.students, strict=True):
        cells = re.findall(r'<td class="number">([0-9,]+)', row)
        assert cells == [
            grade_text(Decimal(student.grades[model] or "0"), "nl")
            for model in ("none", "webpa", "catme", "gcf")
        ], student.name
    staff.client.close()

    for user in (non_submitter, flat_rater):
        mine = signed_in(client, user)
        page = mine.get(f"/my/peer-evaluations/{evaluation_id}")
        assert page.status_code == 200
        assert page_problems(page.text) == []
        text = main_of(page.text)
        assert "Deze peerbeoordeling is gesloten." in text
        cells = re.findall(r'<td class="number">(\d)</td>', text)
        if user is non_submitter:
            assert cells == []  # never rated
        else:
            assert len(set(cells)) == 1  # the flat rater's own, all the same
        mine.client.close()
