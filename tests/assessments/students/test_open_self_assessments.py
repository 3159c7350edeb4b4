"""``my_open_self_assessments``: exactly the open assessments with an active link to a team
version the student is in (what ``my_team`` reaches), each once, with the criteria answered;
nothing of a draft, closed or published assessment, another team's or another school's."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from teameval.assessments.self.listing import my_open_self_assessments
from teameval.models import ProjectAssessmentTeam, SelfAssessment, User
from tests.assessments.lifecycle.factories import make_assessment
from tests.assessments.sheets.scene import build_scene, set_status
from tests.roster.conftest import RosterWorld
from tests.web.test_assessments_scene import principal_of

Factory = sessionmaker[Session]


def _listed(factory: Factory, user: User) -> list[tuple[int, int, int]]:
    with factory() as session:
        found = my_open_self_assessments(session, principal_of(user))
    return [(item.assessment_id, item.team_number, item.answered) for item in found]


def test_only_open_assessments_of_the_student_s_linked_team(
    session_factory: Factory, worlds: RosterWorld
) -> None:
    scene = build_scene(session_factory, worlds, "open")
    north = worlds.north
    with session_factory.begin() as session:
        project = worlds.north_project
        others = [
            make_assessment(session, project, worlds.north_rubric, title=title).id
            for title in ("Concept", "Dicht", "Uit")
        ]
        session.add(
            SelfAssessment(
                school_id=north.school.id,
                assessment_id=scene.assessment_id,
                project_team_id=scene.team_id,
                student_id=north.student.id,
                rubric_id=worlds.north_rubric.id,
                criterion_id=scene.criteria[0],
                score=3,
            )
        )
    set_status(session_factory, others[1], "closed")
    set_status(session_factory, others[2], "open")
    with session_factory.begin() as session:  # the third's link no longer active
        session.execute(
            update(ProjectAssessmentTeam)
            .where(ProjectAssessmentTeam.assessment_id == others[2])
            .values(active=False)
        )
    assert _listed(session_factory, north.student) == [(scene.assessment_id, 1, 1)]
    assert _listed(session_factory, north.other_student) == [(scene.assessment_id, 1, 0)]
    assert _listed(session_factory, north.archived_student) == []
    assert _listed(session_factory, worlds.south.student) == []
    set_status(session_factory, scene.assessment_id, "published")
    assert _listed(session_factory, north.student) == []
