"""Every read and write of the legacy adapter on a retired database (``teameval legacy mode off
--commit``, then ``teameval legacy retire --commit --archive``): empty, nothing done, or 410
Gone where a legacy team itself was asked for; never an SQL error. The tables' presence costs
one catalog query per session, whatever is called after it.

The cases are listed by name and a test checks the list against the adapter's exports, so a
function added later without its retired behaviour decided here fails."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from teameval.audit_trail import Actor
from teameval.db import make_engine, make_session_factory
from teameval.errors import Gone
from teameval.models import Course
from teameval.roster.courses.pair_rows import WriteSummary
from teameval.roster.legacy import adapter
from tests.migration.phase6.support import build_school, retire_by_commands
from tests.statements import recorded_statements

# Each session-taking function of the adapter: its call on a retired database, and what it
# must answer ("gone": raises 410 Gone, as with legacy groups off).
Call = Callable[[Session, Actor, Course, int], Any]
CASES: dict[str, tuple[Call, Any]] = {
    "active_memberships_of": (lambda s, a, c, u: adapter.active_memberships_of(s, [u]), []),
    "active_team_in_course": (lambda s, a, c, u: adapter.active_team_in_course(s, c.id, [u]), {}),
    "active_teams_of": (lambda s, a, c, u: dict(adapter.active_teams_of(s, [u])), {}),
    "teams_of_courses": (lambda s, a, c, u: adapter.teams_of_courses(s, [c.id]), []),
    "deactivate_memberships": (
        lambda s, a, c, u: adapter.deactivate_memberships(s, a, [(1, u)]),
        WriteSummary(),
    ),
    "end_memberships_in_courses": (
        lambda s, a, c, u: adapter.end_memberships_in_courses(s, a, [(c.id, u)]),
        WriteSummary(),
    ),
    "tables_present": (lambda s, a, c, u: adapter.tables_present(s), False),
    "team_links": (lambda s, a, c, u: adapter.team_links(s), ()),
    # A legacy team itself asked for: an empty answer could be acted on (the copy from groups
    # would archive every project team), so it is the answer legacy groups off give.
    "group_in_course": (lambda s, a, c, u: adapter.group_in_course(s, c, 1), "gone"),
    "groups_with_members": (
        lambda s, a, c, u: adapter.groups_with_members(s, course_id=c.id),
        "gone",
    ),
    "active_groups_in_course": (
        lambda s, a, c, u: adapter.active_groups_in_course(s, c.id, u),
        "gone",
    ),
    "courses_of_groups": (lambda s, a, c, u: adapter.courses_of_groups(s, [1]), "gone"),
    "activate_memberships": (
        lambda s, a, c, u: adapter.activate_memberships(s, a, {(1, u)}, {1: c.id}),
        "gone",
    ),
    "create_group": (lambda s, a, c, u: adapter.create_group(s, a, c, 3, None), "gone"),
    "ensure_team": (lambda s, a, c, u: adapter.ensure_team(s, a, c, 3), "gone"),
    "ensure_teams": (
        lambda s, a, c, u: adapter.ensure_teams(s, a, [(c.id, 3)], {c.id: c.code}),
        "gone",
    ),
}


def test_every_session_function_of_the_adapter_has_its_case() -> None:
    taking_a_session = {
        name
        for name in adapter.__all__
        if inspect.isfunction(getattr(adapter, name))
        and "session" in inspect.signature(getattr(adapter, name)).parameters
    }
    assert taking_a_session == set(CASES)


@pytest.fixture
def retired(db_url: str, tmp_path: Path) -> Iterator[tuple[sa.Engine, int]]:
    world = build_school(db_url)
    retire_by_commands(db_url, tmp_path / "legacy.zip")
    engine = make_engine(db_url)
    yield engine, world.school.id
    engine.dispose()


def test_on_a_retired_database(retired: tuple[sa.Engine, int]) -> None:
    engine, school_id = retired
    actor = Actor.command_line(school_id, "test")
    for name, (call, expected) in sorted(CASES.items()):
        # A session each, as each request or command has: each pays its own look-up.
        with make_session_factory(engine)() as session:
            course = session.scalars(sa.select(Course).where(Course.code == "OO-4A")).one()
            student = session.scalar(sa.text("SELECT min(id) FROM users WHERE role = 'student'"))
            with recorded_statements(engine) as statements:
                if expected == "gone":
                    with pytest.raises(Gone) as raised:
                        call(session, actor, course, student)
                    assert "switched off" in raised.value.detail, name
                else:
                    assert call(session, actor, course, student) == expected, name
                # The catalog look-up, and nothing else: no legacy table is queried.
                assert len(statements) == 1, (name, statements)
                assert "group_members" in statements[0], name
                # Asked again in the same session: answered from the session, no statement.
                assert adapter.tables_present(session) is False
                assert len(statements) == 1, name
