"""What the watch tests share: the counters' full contents, and a student for each case of the
shadow comparison."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import GroupMember, Role, User
from teameval.roster.legacy.watch.counts import SHADOW_TABLE, USAGE_TABLE
from tests.factories import enroll, make_user
from tests.roster.conftest import RosterWorld


def usage_rows(engine: sa.Engine) -> list[tuple[Any, ...]]:
    """Every ``legacy_usage_counts`` row: (school, day, route, kind, count)."""
    table = USAGE_TABLE
    query = sa.select(table.c.school_id, table.c.day, table.c.route, table.c.kind, table.c["count"])
    with engine.connect() as connection:  # sorted here: the engines' collations differ
        return sorted(tuple(row) for row in connection.execute(query))


def shadow_rows(engine: sa.Engine) -> list[tuple[Any, ...]]:
    """Every ``access_shadow_counts`` row: (school, course, day, decisions, legacy_only,
    enrollment_only)."""
    table = SHADOW_TABLE
    query = sa.select(
        table.c.school_id,
        table.c.course_id,
        table.c.day,
        table.c.decisions,
        table.c.legacy_only,
        table.c.enrollment_only,
    ).order_by(table.c.course_id, table.c.day)
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]


@dataclass(frozen=True)
class ShadowCases:
    """Students of north's ``course``: ``agree`` enrolled and in team 1 (the world's student),
    ``legacy_only`` in team 1 without an enrollment, ``enrollment_only`` enrolled in no team."""

    agree: User
    legacy_only: User
    enrollment_only: User


@pytest.fixture
def cases(worlds: RosterWorld, session_factory: sessionmaker[Session]) -> ShadowCases:
    north = worlds.north
    with session_factory.begin() as session:
        legacy_only = make_user(
            session, north.school, Role.STUDENT, "legacy.only@north.example.org"
        )
        enrolled = make_user(session, north.school, Role.STUDENT, "enrolled.only@north.example.org")
        session.add(
            GroupMember(
                school_id=north.school.id,
                group_id=worlds.north_group.id,
                course_id=north.course.id,
                user_id=legacy_only.id,
            )
        )
        enroll(session, north.course, enrolled)
    return ShadowCases(north.student, legacy_only, enrolled)
