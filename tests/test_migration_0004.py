"""Migration 0004 on a database at 0003: tenant keys on (school_id, id).

A database holding rows that point at another school is refused, every offender named per
relation, with nothing changed (still at 0003, every table as it was). A clean one is upgraded
to a schema equal to the models, and downgrading removes the keys again.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from teameval import schema
from teameval.db import make_engine
from teameval.models import Base
from teameval.schema_compare import compare
from tests.migration.dataset import as_before, table_contents

SCHOOLS = [(1, "alpha"), (2, "beta")]
USERS = [(10, 1, "student"), (11, 1, "teacher"), (20, 2, "student"), (21, 2, "teacher")]
COURSES = [(100, 1, "OO-4A"), (200, 2, "NET-1")]
GROUPS = [(1000, 1, 100, 1), (2000, 2, 200, 1)]  # id, school, course, team number
MEMBERS = [(1, 1, 1000, 100, 10), (2, 2, 2000, 200, 20)]  # id, school, group, course, user
ENROLLMENTS = [(1, 1, 100, 10), (2, 2, 200, 20)]  # id, school, course, student
TEACHERS = [(1, 1, 100, 11), (2, 2, 200, 21)]  # id, school, course, teacher

# One offender per relation: each row's own school differs from the school of what it names.
CROSS_ENROLLMENTS = [(3, 1, 200, 10), (4, 2, 200, 11)]  # another school's course; student
CROSS_TEACHERS = [(3, 1, 200, 11), (4, 1, 100, 21)]  # another school's course; teacher
CROSS_GROUPS = [(1001, 1, 200, 2)]
CROSS_MEMBERS = [(3, 1, 2000, 200, 10), (4, 2, 2000, 200, 11)]  # group; user


def _at_0003(url: str, cross_school: bool = False) -> sa.Engine:
    schema.upgrade(url, "0003")
    engine = make_engine(url)
    with engine.begin() as connection:

        def insert(sql: str, rows: list[tuple[Any, ...]]) -> None:
            if rows:
                params = [{f"p{i}": value for i, value in enumerate(row)} for row in rows]
                connection.execute(sa.text(sql), params)

        insert("INSERT INTO schools (id, slug, name) VALUES (:p0, :p1, :p1)", SCHOOLS)
        insert(
            "INSERT INTO users (id, school_id, email, name, role) "
            "VALUES (:p0, :p1, 'u' || :p0 || '@x.org', 'U', :p2)",
            USERS,
        )
        insert(
            "INSERT INTO courses (id, school_id, code, name) VALUES (:p0, :p1, :p2, :p2)", COURSES
        )
        insert(
            "INSERT INTO groups (id, school_id, course_id, name, team_number) "
            "VALUES (:p0, :p1, :p2, 'Team', :p3)",
            GROUPS + (CROSS_GROUPS if cross_school else []),
        )
        insert(
            "INSERT INTO group_members (id, school_id, group_id, course_id, user_id) "
            "VALUES (:p0, :p1, :p2, :p3, :p4)",
            MEMBERS + (CROSS_MEMBERS if cross_school else []),
        )
        insert(
            "INSERT INTO course_enrollments (id, school_id, course_id, student_id) "
            "VALUES (:p0, :p1, :p2, :p3)",
            ENROLLMENTS + (CROSS_ENROLLMENTS if cross_school else []),
        )
        insert(
            "INSERT INTO teacher_courses (id, school_id, course_id, teacher_id) "
            "VALUES (:p0, :p1, :p2, :p3)",
            TEACHERS + (CROSS_TEACHERS if cross_school else []),
        )
    return engine


def test_clean_database_is_upgraded_to_the_models_schema(empty_db_url: str) -> None:
    engine = _at_0003(empty_db_url)
    with engine.connect() as connection:
        before = table_contents(connection)
    schema.upgrade(empty_db_url)
    assert schema.current_revision(engine) == schema.head_revision()
    with engine.connect() as connection:
        after = table_contents(connection)
        assert compare(connection, Base.metadata) == []
    engine.dispose()
    before.pop("alembic_version")
    after.pop("alembic_version")
    # Later migrations only add tables, which start empty, and nullable columns, which start NULL.
    added = set(after) - set(before)
    assert {table: after.pop(table) for table in added} == {table: [] for table in added}
    assert as_before(before, after) == before


def test_cross_school_rows_are_refused_listing_every_offender_and_nothing_changes(
    empty_db_url: str,
) -> None:
    engine = _at_0003(empty_db_url, cross_school=True)
    with engine.connect() as connection:
        before = table_contents(connection)
    with pytest.raises(Exception, match="point at another school") as refused:
        schema.upgrade(empty_db_url)
    assert str(refused.value) == (
        "Migration 0004 makes the database refuse rows that point at another school, but these "
        "rows do: "
        "course_enrollments.course_id -> courses: "
        "course_enrollments 3 (school 1) -> courses 200 (school 2); "
        "course_enrollments.student_id -> users: "
        "course_enrollments 4 (school 2) -> users 11 (school 1); "
        "teacher_courses.course_id -> courses: "
        "teacher_courses 3 (school 1) -> courses 200 (school 2); "
        "teacher_courses.teacher_id -> users: "
        "teacher_courses 4 (school 1) -> users 21 (school 2); "
        "groups.course_id -> courses: groups 1001 (school 1) -> courses 200 (school 2); "
        "group_members.group_id -> groups: "
        "group_members 3 (school 1) -> groups 2000 (school 2); "
        "group_members.user_id -> users: group_members 4 (school 2) -> users 11 (school 1). "
        "Correct or deactivate-and-move them, then run `teameval db upgrade` again; nothing was "
        "changed."
    )
    assert schema.current_revision(engine) == "0003"
    with engine.connect() as connection:
        assert table_contents(connection) == before
        indexes = {i["name"] for i in sa.inspect(connection).get_indexes("users")}
    assert "uq_users_school_id_id" not in indexes
    engine.dispose()


def test_a_single_cross_school_enrollment_is_named(empty_db_url: str) -> None:
    engine = _at_0003(empty_db_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO course_enrollments (id, school_id, course_id, student_id) "
                "VALUES (9, 2, 100, 20)"
            )
        )
    with pytest.raises(Exception, match=r"course_enrollments 9 \(school 2\) -> courses 100 "):
        schema.upgrade(empty_db_url)
    assert schema.current_revision(engine) == "0003"
    engine.dispose()


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_downgrade_removes_the_keys_and_upgrade_restores_them(empty_db_url: str) -> None:
    engine = _at_0003(empty_db_url)
    schema.upgrade(empty_db_url)
    command.downgrade(schema.alembic_config(empty_db_url), "0003")
    assert schema.current_revision(engine) == "0003"
    with engine.connect() as connection:
        keys = {k["name"] for k in sa.inspect(connection).get_foreign_keys("course_enrollments")}
        indexes = {i["name"] for i in sa.inspect(connection).get_indexes("courses")}
    assert "fk_course_enrollments_school_id_course_id_courses" not in keys
    assert "uq_courses_school_id_id" not in indexes
    with engine.begin() as connection:  # the database no longer stops a cross-school row
        connection.execute(
            sa.text(
                "INSERT INTO course_enrollments (id, school_id, course_id, student_id) "
                "VALUES (9, 1, 200, 10)"
            )
        )
        connection.execute(sa.text("DELETE FROM course_enrollments WHERE id = 9"))
    schema.upgrade(empty_db_url)
    with engine.connect() as connection:
        assert compare(connection, Base.metadata) == []
    engine.dispose()


def test_interrupted_postgresql_upgrade_completes_when_run_again(empty_db_url: str) -> None:
    """PostgreSQL commits each step on its own (short locks), so an upgrade stopped half-way
    leaves some keys in place: running it again adds the rest instead of failing on them."""
    engine = _at_0003(empty_db_url)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        pytest.skip("SQLite runs the whole migration in one transaction")
    # 0004 alone: later migrations' keys depend on the index this test takes away.
    schema.upgrade(empty_db_url, "0004")
    with engine.begin() as connection:  # as if stopped after the first index and key
        for statement in (
            "ALTER TABLE group_members DROP CONSTRAINT fk_group_members_school_id_user_id_users",
            "ALTER TABLE groups DROP CONSTRAINT fk_groups_school_id_course_id_courses",
            "ALTER TABLE group_members DROP CONSTRAINT fk_group_members_school_id_group_id_groups",
            "DROP INDEX uq_groups_school_id_id",
            "UPDATE alembic_version SET version_num = '0003'",
        ):
            connection.execute(sa.text(statement))
    schema.upgrade(empty_db_url)
    assert schema.current_revision(engine) == schema.head_revision()
    with engine.connect() as connection:
        assert compare(connection, Base.metadata) == []
    engine.dispose()
