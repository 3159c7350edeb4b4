"""assessments.rubrics.usage: criteria, assessments and makers of many rubrics, one statement
each, every rubric counted on its own."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from teameval.assessments.rubrics import usage
from tests.assessments.factories import make_rubric
from tests.assessments.lifecycle.factories import make_assessment
from tests.roster.conftest import RosterWorld
from tests.statements import recorded_statements


def test_counts_and_names_per_rubric_in_one_statement_each(
    worlds: RosterWorld, session_factory: sessionmaker[Session], engine: Engine
) -> None:
    with session_factory.begin() as session:
        three = make_rubric(session, worlds.north.admin, "Drie", weights=("1", "1", "2"))
        unused = make_rubric(session, worlds.north.other_teacher, "Ongebruikt", weights=("1",))
        make_assessment(session, worlds.north_project, three)
        make_assessment(session, worlds.north_project, three)
        ids = [worlds.north_rubric.id, three.id, unused.id]
    with session_factory() as session, recorded_statements(engine) as statements:
        criteria = usage.criterion_counts(session, ids)
        assessments = usage.assessment_counts(session, ids)
        makers = usage.creator_names(
            session, [worlds.north.teacher.id, worlds.north.admin.id, None, worlds.north.admin.id]
        )
    assert criteria == {worlds.north_rubric.id: 2, three.id: 3, unused.id: 1}
    assert assessments == {worlds.north_rubric.id: 1, three.id: 2}
    assert makers == {
        worlds.north.teacher.id: worlds.north.teacher.name,
        worlds.north.admin.id: worlds.north.admin.name,
    }
    assert len(statements) == 3
    with session_factory() as session, recorded_statements(engine) as none:
        assert usage.criterion_counts(session, []) == {}
        assert usage.assessment_counts(session, []) == {}
        assert usage.creator_names(session, [None]) == {}
    assert none == []
