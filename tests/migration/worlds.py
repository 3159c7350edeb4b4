"""Random small legacy-shaped databases for the migration toolkit's property tests.

One ``World`` (plain dictionaries an oracle can read), one ``worlds()`` strategy whose keyword
parameters set what the properties draw differently, ``load_world`` to write a world into a
database of the legacy shape, and ``make_legacy_engine`` to make that database. Used by the
phase 1 audit and backfill property (tests/migration/test_properties.py), the committing
backfill's counts (tests/migration/test_backfill_batch.py) and the access audit
(tests/migration/phase3/test_properties.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from hypothesis import strategies as st

from teameval.db import make_engine
from teameval.migration.legacy_shape import LEGACY_TABLES, create_legacy_schema

SCHOOLS = (1, 2)


@dataclass(frozen=True)
class World:
    users: dict[int, tuple[int, str, bool]]  # id -> school, role, archived
    courses: dict[int, int]  # id -> school
    groups: dict[int, tuple[int, int]]  # id -> school, course
    members: dict[tuple[int, int], tuple[bool, int]]  # (group, user) -> active, row's school
    enrollments: dict[tuple[int, int], bool]  # (course, student) -> active


def _other(school: int) -> int:
    return 3 - school


@st.composite
def worlds(
    draw: st.DrawFn,
    *,
    max_users: int = 7,
    wide_ids: bool = False,
    student_weight: int = 4,
    archived: bool = False,
    max_courses: int = 3,
    max_groups: int = 4,
    max_members: int = 12,
    member_active: st.SearchStrategy[bool] | None = None,
    other_school_one_in: int | None = None,
    max_enrollments: int = 8,
) -> World:
    """A world of schools 1 and 2, with at least one user, course and group.

    ``wide_ids``: user ids spread over 1..12,000 instead of 1..n. ``student_weight``: roles
    drawn student:teacher:admin as ``student_weight``:1:1. ``archived``: one user in three
    archived, else none. ``member_active``: a membership's ``active`` (default: a fair coin).
    ``other_school_one_in``: one membership row in that many carries the other school than its
    group's (``None``: never)."""
    schools = st.integers(min(SCHOOLS), max(SCHOOLS))
    roles = st.sampled_from(["student"] * student_weight + ["teacher", "admin"])
    if wide_ids:
        ids = draw(st.lists(st.integers(1, 12_000), min_size=1, max_size=max_users, unique=True))
    else:
        ids = list(range(1, draw(st.integers(1, max_users)) + 1))
    users = {
        i: (
            draw(schools),
            draw(roles),
            draw(st.sampled_from([False, False, True])) if archived else False,
        )
        for i in ids
    }
    courses = {i: draw(schools) for i in range(1, draw(st.integers(1, max_courses)) + 1)}
    groups = {
        i: (draw(schools), draw(st.sampled_from(sorted(courses))))
        for i in range(1, draw(st.integers(1, max_groups)) + 1)
    }
    odd = (
        st.just(False)
        if other_school_one_in is None
        else st.sampled_from([False] * (other_school_one_in - 1) + [True])
    )
    drawn = draw(
        st.dictionaries(
            st.tuples(st.sampled_from(sorted(groups)), st.sampled_from(ids)),
            st.tuples(st.booleans() if member_active is None else member_active, odd),
            max_size=max_members,
        )
    )
    members = {
        (g, u): (active, _other(groups[g][0]) if is_odd else groups[g][0])
        for (g, u), (active, is_odd) in drawn.items()
    }
    enrollments = draw(
        st.dictionaries(
            st.tuples(st.sampled_from(sorted(courses)), st.sampled_from(ids)),
            st.booleans(),
            max_size=max_enrollments,
        )
    )
    return World(users, courses, groups, members, enrollments)


def make_legacy_engine(url: str, *, enrollment_school: bool = False) -> sa.Engine:
    """An engine on ``url`` (an empty database) holding the legacy tables; with
    ``enrollment_school`` its enrollments also have a nullable ``school_id``, as a legacy
    database part way through the migration has. The caller disposes of it."""
    engine = make_engine(url)
    with engine.begin() as connection:
        create_legacy_schema(connection)
        if enrollment_school:
            connection.execute(
                sa.text("ALTER TABLE course_enrollments ADD COLUMN school_id INTEGER")
            )
    return engine


def load_world(engine: sa.Engine, world: World) -> None:
    """Replace the legacy tables' rows with ``world`` (Hypothesis runs many examples on one
    database). A user's name and email and a course's code are derived from the id, so an
    oracle can predict the samples; ``course_enrollments.school_id``, where it exists, is left
    NULL as a legacy row has it."""
    with engine.begin() as connection:
        for table in reversed(LEGACY_TABLES):
            connection.execute(sa.text(f"DELETE FROM {table}"))

        def rows(sql: str, params: list[dict[str, object]]) -> None:
            if params:  # no rows: an empty list would run the INSERT once, unbound
                connection.execute(sa.text(sql), params)

        rows("INSERT INTO schools (id, name) VALUES (:id, 'S')", [{"id": s} for s in SCHOOLS])
        rows(
            "INSERT INTO users (id, school_id, email, name, role, archived) "
            "VALUES (:id, :s, :email, :name, :r, :a)",
            [
                {"id": u, "s": s, "email": f"u{u}@example.org", "name": f"U{u}", "r": r, "a": a}
                for u, (s, r, a) in world.users.items()
            ],
        )
        rows(
            "INSERT INTO courses (id, school_id, name, code) VALUES (:id, :s, 'C', :code)",
            [{"id": c, "s": s, "code": f"C{c}"} for c, s in world.courses.items()],
        )
        rows(
            "INSERT INTO groups (id, school_id, course_id, name) VALUES (:id, :s, :c, 'G')",
            [{"id": g, "s": s, "c": c} for g, (s, c) in world.groups.items()],
        )
        rows(
            "INSERT INTO group_members (school_id, group_id, user_id, active) "
            "VALUES (:s, :g, :u, :a)",
            [{"s": s, "g": g, "u": u, "a": a} for (g, u), (a, s) in world.members.items()],
        )
        rows(
            "INSERT INTO course_enrollments (course_id, student_id, active) VALUES (:c, :u, :a)",
            [{"c": c, "u": u, "a": a} for (c, u), a in world.enrollments.items()],
        )
