"""The schema comparison sees every kind of drift, on both engines.

A migrated throwaway database is altered by hand (DDL; on SQLite, which cannot alter a
constraint or a default, by rewriting the table's statement in ``sqlite_master`` the way a
hand-edited rebuild would leave it) and the comparison must report exactly that difference.
"""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from teameval import schema
from teameval.models import Base
from teameval.schema_compare import SchemaDrift, compare, normalise
from tests.cli_helpers import run_cli

# The models still map the legacy tables; a retired database has none (phase 6's db check on a
# retired database is tests/migration/phase6).
pytestmark = pytest.mark.legacy


def _drift(engine: sa.Engine) -> list[str]:
    with engine.connect() as connection:
        return compare(connection, Base.metadata)


def _rewrite_sqlite_table(engine: sa.Engine, table: str, old: str, new: str) -> None:
    """Edit a table's CREATE statement in place: SQLite's only way to change a constraint or
    a default short of rebuilding the table."""
    engine.dispose()
    path = engine.url.database
    assert path
    connection = sqlite3.connect(path)
    try:
        (sql,) = connection.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        assert old in sql, sql
        connection.execute("PRAGMA writable_schema=ON")
        connection.execute(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
            (sql.replace(old, new), table),
        )
        connection.commit()
    finally:
        connection.close()


def _ddl(engine: sa.Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(sa.text(statement))


def test_migrated_schema_equals_the_models(engine: sa.Engine) -> None:
    assert _drift(engine) == []


def test_check_constraint_condition_drift(engine: sa.Engine) -> None:
    if engine.dialect.name == "sqlite":
        _rewrite_sqlite_table(engine, "users", "'student')", "'student', 'guest')")
    else:
        _ddl(
            engine,
            "ALTER TABLE users DROP CONSTRAINT ck_users_role_known",
            "ALTER TABLE users ADD CONSTRAINT ck_users_role_known "
            "CHECK (role IN ('admin', 'teacher', 'student', 'guest'))",
        )
    (difference,) = _drift(engine)
    assert difference.startswith("table users: CHECK constraint ck_users_role_known differs:")
    models, database = difference.split("the database has")
    assert "'guest'" in database
    assert "'guest'" not in models


def test_missing_check_constraint(engine: sa.Engine) -> None:
    if engine.dialect.name == "sqlite":
        check = "CONSTRAINT ck_users_email_lower_case CHECK (email = lower(email)), "
        _rewrite_sqlite_table(engine, "users", check, "")
    else:
        _ddl(engine, "ALTER TABLE users DROP CONSTRAINT ck_users_email_lower_case")
    assert _drift(engine) == [
        "table users: CHECK constraint ck_users_email_lower_case is in the models "
        "(CHECK (email = lower(email))) but not in the database"
    ]


def test_partial_index_condition_drift(engine: sa.Engine) -> None:
    _ddl(
        engine,
        "DROP INDEX uq_group_members_course_id_user_id_active",
        "CREATE UNIQUE INDEX uq_group_members_course_id_user_id_active "
        "ON group_members (course_id, user_id) WHERE NOT active",
    )
    assert _drift(engine) == [
        "table group_members: index uq_group_members_course_id_user_id_active differs: "
        "models have UNIQUE (course_id, user_id) WHERE active, "
        "the database has UNIQUE (course_id, user_id) WHERE not active"
    ]


def test_expression_index_drift(engine: sa.Engine) -> None:
    _ddl(
        engine,
        "DROP INDEX uq_courses_school_id_lower_code",
        "CREATE UNIQUE INDEX uq_courses_school_id_lower_code ON courses (school_id, upper(code))",
    )
    assert _drift(engine) == [
        "table courses: index uq_courses_school_id_lower_code differs: "
        "models have UNIQUE (school_id, lower(code)), "
        "the database has UNIQUE (school_id, upper(code))"
    ]


def test_server_default_drift(engine: sa.Engine) -> None:
    if engine.dialect.name == "sqlite":
        _rewrite_sqlite_table(engine, "courses", "DEFAULT 1", "DEFAULT 0")
        models, database = "BOOLEAN NOT NULL DEFAULT 1", "BOOLEAN NOT NULL DEFAULT 0"
    else:
        _ddl(engine, "ALTER TABLE courses ALTER COLUMN is_active SET DEFAULT false")
        models, database = "BOOLEAN NOT NULL DEFAULT true", "BOOLEAN NOT NULL DEFAULT false"
    assert _drift(engine) == [
        f"table courses: column is_active differs: models have {models}, "
        f"the database has {database}"
    ]


def test_foreign_key_target_drift(engine: sa.Engine) -> None:
    name = "fk_course_enrollments_school_id_student_id_users"
    if engine.dialect.name == "sqlite":
        _rewrite_sqlite_table(
            engine,
            "course_enrollments",
            "(school_id, student_id) REFERENCES users (school_id, id)",
            "(school_id, student_id) REFERENCES groups (school_id, id)",
        )
    else:
        _ddl(
            engine,
            f"ALTER TABLE course_enrollments DROP CONSTRAINT {name}",
            f"ALTER TABLE course_enrollments ADD CONSTRAINT {name} "
            "FOREIGN KEY (school_id, student_id) REFERENCES groups (school_id, id)",
        )
    assert _drift(engine) == [
        f"table course_enrollments: foreign key {name} differs: "
        "models have (school_id, student_id) -> users(school_id, id), "
        "the database has (school_id, student_id) -> groups(school_id, id)"
    ]


def test_foreign_key_columns_drift(engine: sa.Engine) -> None:
    name = "fk_group_members_school_id_user_id_users"
    if engine.dialect.name == "sqlite":
        _rewrite_sqlite_table(
            engine,
            "group_members",
            "FOREIGN KEY(school_id, user_id) REFERENCES users (school_id, id)",
            "FOREIGN KEY(school_id, group_id) REFERENCES users (school_id, id)",
        )
    else:
        _ddl(
            engine,
            f"ALTER TABLE group_members DROP CONSTRAINT {name}",
            f"ALTER TABLE group_members ADD CONSTRAINT {name} "
            "FOREIGN KEY (school_id, group_id) REFERENCES users (school_id, id) NOT VALID",
        )
    assert _drift(engine) == [
        f"table group_members: foreign key {name} differs: "
        "models have (school_id, user_id) -> users(school_id, id), "
        "the database has (school_id, group_id) -> users(school_id, id)"
    ]


def test_foreign_key_on_delete_drift(engine: sa.Engine) -> None:
    name = "fk_courses_school_id_schools"
    if engine.dialect.name == "sqlite":
        _rewrite_sqlite_table(
            engine,
            "courses",
            "REFERENCES schools (id) ON DELETE RESTRICT",
            "REFERENCES schools (id) ON DELETE CASCADE",
        )
    else:
        _ddl(
            engine,
            f"ALTER TABLE courses DROP CONSTRAINT {name}",
            f"ALTER TABLE courses ADD CONSTRAINT {name} "
            "FOREIGN KEY (school_id) REFERENCES schools (id) ON DELETE CASCADE",
        )
    assert _drift(engine) == [
        f"table courses: foreign key {name} differs: "
        "models have (school_id) -> schools(id) ON DELETE RESTRICT, "
        "the database has (school_id) -> schools(id) ON DELETE CASCADE"
    ]


def test_missing_index(engine: sa.Engine) -> None:
    _ddl(engine, "DROP INDEX ix_teacher_courses_teacher_id_active")
    assert _drift(engine) == [
        "table teacher_courses: index ix_teacher_courses_teacher_id_active is in the models "
        "((teacher_id, active)) but not in the database"
    ]


def test_check_raises_with_every_difference(db_url: str, engine: sa.Engine) -> None:
    _ddl(
        engine,
        "DROP INDEX ix_teacher_courses_teacher_id_active",
        "DROP INDEX ix_users_school_id_role",
    )
    with pytest.raises(SchemaDrift) as raised:
        schema.check(db_url)
    assert [d.split(":")[0] for d in raised.value.differences] == [
        "table teacher_courses",
        "table users",
    ]


def test_db_check_exits_1_and_names_the_difference(db_url: str, engine: sa.Engine) -> None:
    assert run_cli("db", "check", "--database-url", db_url).exit_code == 0
    _ddl(engine, "DROP INDEX ix_teacher_courses_teacher_id_active")
    result = run_cli("db", "check", "--database-url", db_url)
    assert result.exit_code == 1
    assert "ix_teacher_courses_teacher_id_active" in result.output
    assert "1 differences" in result.output


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ('lower(("code")::text)', "lower(code)"),
        ("(student_number IS NOT NULL)", "student_number is not null"),
        ("role IN ('Admin', 'teacher')", "role in('Admin', 'teacher')"),
        ("(CURRENT_TIMESTAMP)", "current_timestamp"),
    ],
)
def test_normalise(written: str, normalised: str) -> None:
    assert normalise(written) == normalised
