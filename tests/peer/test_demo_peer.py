"""The demo's peer evaluation (issue 13): what the teacher's preview shows on a fresh demo."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teameval.demo import build_demo
from teameval.models import PeerEvaluation, PeerStatus, PeerSubmission
from teameval.peer.reports import preview


def test_the_demo_evaluation_shows_every_case_the_preview_is_for(engine: sa.Engine) -> None:
    with Session(engine) as session, session.begin():
        summary = build_demo(session)
        assert summary.peer is not None
        evaluation = session.get(PeerEvaluation, summary.peer.evaluation_id)
        assert evaluation is not None
        assert evaluation.status == PeerStatus.CLOSED.value
        assert evaluation.assessment_id == summary.assessments.published_id  # type: ignore[union-attr]
        raters = set(
            session.scalars(
                sa.select(PeerSubmission.rater_id).where(
                    PeerSubmission.evaluation_id == evaluation.id
                )
            )
        )
        shown = preview(session, evaluation).model_dump()

    students = shown["students"]
    by_id = {student["student_id"]: student for student in students}
    teams: dict[int, list[dict[str, object]]] = {}
    for student in students:
        teams.setdefault(student["project_team_id"], []).append(student)
    first, second = sorted(teams)[:2]
    # One team complete: everyone submitted.
    assert all(student["submitted"] for student in teams[first])
    # One team with a non-submitter and a flat rater, each flagged for the teacher.
    assert by_id[summary.peer.non_submitter_id]["project_team_id"] == second
    assert "did_not_submit" in by_id[summary.peer.non_submitter_id]["flags"]
    assert summary.peer.non_submitter_id not in raters
    assert "flat_rater" in by_id[summary.peer.flat_rater_id]["flags"]
    # The models differ somewhere, so the side-by-side preview is worth reading.
    assert any(
        len({student["grades"][model] for model in ("none", "webpa", "catme", "gcf")}) > 1
        for student in students
    )
    assert all(student["base_grade"] is not None for student in students)
